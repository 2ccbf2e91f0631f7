#include "textflag.h"

// func markBlocks(d []byte, q []uint64) (bs uint64)
// For each 64-byte block of d (len(d) == 64*len(q)): q[w] gets a bit per '"' byte; bs is
// non-zero when any byte is '\\'.
TEXT ·markBlocks(SB), NOSPLIT, $0-56
	MOVQ d_base+0(FP), SI
	MOVQ q_base+24(FP), DI
	MOVQ q_len+32(FP), CX
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	XORQ R10, R10

loop:
	TESTQ CX, CX
	JZ    done
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVO  X0, X4
	PCMPEQB X8, X4
	PMOVMSKB X4, AX
	MOVO  X1, X5
	PCMPEQB X8, X5
	PMOVMSKB X5, BX
	SHLQ  $16, BX
	ORQ   BX, AX
	MOVO  X2, X6
	PCMPEQB X8, X6
	PMOVMSKB X6, BX
	SHLQ  $32, BX
	ORQ   BX, AX
	MOVO  X3, X7
	PCMPEQB X8, X7
	PMOVMSKB X7, BX
	SHLQ  $48, BX
	ORQ   BX, AX
	MOVQ  AX, 0(DI)
	PCMPEQB X9, X0
	PCMPEQB X9, X1
	PCMPEQB X9, X2
	PCMPEQB X9, X3
	POR   X1, X0
	POR   X3, X2
	POR   X2, X0
	PMOVMSKB X0, BX
	ORQ   BX, R10
	ADDQ  $64, SI
	ADDQ  $8, DI
	DECQ  CX
	JMP   loop

done:
	MOVQ R10, bs+48(FP)
	RET
