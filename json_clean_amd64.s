#include "textflag.h"

// MASK sets DX to a bit per byte of the 16 bytes at (SI)(AX*1) that needs escaping in a JSON
// string: a control byte < 0x20, '"', '\\', or a byte >= 0x80 (X1 '"', X2 '\\', X3 0x1f).
#define MASK \
	MOVOU (SI)(AX*1), X0 \
	MOVOU X0, X4 \
	PMINUB X3, X4 \
	PCMPEQB X0, X4 \
	MOVOU X0, X5 \
	PCMPEQB X1, X5 \
	MOVOU X0, X6 \
	PCMPEQB X2, X6 \
	POR X5, X4 \
	POR X6, X4 \
	POR X0, X4 \
	PMOVMSKB X4, DX

// func cleanPrefix(p *byte, n int) int
//
// Returns the index of the first byte of p[:n] that needs escaping in a JSON string, or n;
// n >= 16. Sixteen bytes per step; the bytes after the last whole block are looked at as the
// last sixteen bytes of p[:n].
TEXT ·cleanPrefix(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	XORQ AX, AX
	MOVQ $0x2222222222222222, DX
	MOVQ DX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x5c5c5c5c5c5c5c5c, DX
	MOVQ DX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x1f1f1f1f1f1f1f1f, DX
	MOVQ DX, X3
	PUNPCKLQDQ X3, X3
	SUBQ $16, CX       // the start of the last sixteen bytes

loop:
	CMPQ AX, CX
	JGT  tail
	MASK
	TESTL DX, DX
	JNZ  found
	ADDQ $16, AX
	JMP  loop

tail:
	LEAQ 16(CX), BX    // n
	CMPQ AX, BX
	JEQ  done          // n is a multiple of 16: all looked at
	MOVQ CX, AX        // the last sixteen bytes; those before the old AX are clean
	MASK
	TESTL DX, DX
	JNZ  found
	MOVQ BX, AX
	JMP  done

found:
	BSFL DX, DX
	ADDQ DX, AX

done:
	MOVQ AX, ret+16(FP)
	RET
