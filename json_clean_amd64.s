#include "textflag.h"

// func cleanBlocks(p *byte, n int) int
//
// Returns the length of the longest prefix of whole 16-byte blocks of p[:n] in which no byte
// needs escaping in a JSON string (a control byte < 0x20, '"', '\\', or a byte >= 0x80).
TEXT ·cleanBlocks(SB), NOSPLIT, $0-24
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
	SUBQ $16, CX

loop:
	CMPQ AX, CX
	JGT  done
	MOVOU (SI)(AX*1), X0
	MOVOU X0, X4
	PMINUB X3, X4      // min(b, 0x1f)
	PCMPEQB X0, X4     // 0xff where b <= 0x1f
	MOVOU X0, X5
	PCMPEQB X1, X5     // 0xff where b == '"'
	MOVOU X0, X6
	PCMPEQB X2, X6     // 0xff where b == '\\'
	POR X5, X4
	POR X6, X4
	POR X0, X4         // the top bit of b: b >= 0x80
	PMOVMSKB X4, DX
	TESTL DX, DX
	JNZ  done
	ADDQ $16, AX
	JMP  loop

done:
	MOVQ AX, ret+16(FP)
	RET
