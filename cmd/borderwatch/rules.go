package main

import (
	_ "github.com/borderwatch/borderwatch/rules/all" // every detection rule
)
