//go:build amd64 && !purego

#include "textflag.h"

// func sgemmNarrow4x8(m4, k int, a *float32, lda int, b, out *float32)
//
// AVX2+FMA: for 4·m4 rows of A (row-major, stride lda floats) and B a
// dense k×8 panel, out[i][0:8] = sum_p A[i][p]·B[p][0:8] (row stride 8):
// four rows at a time, one accumulator each, the B row shared.
TEXT ·sgemmNarrow4x8(SB), NOSPLIT, $0-48
	MOVQ m4+0(FP), R9
	MOVQ lda+24(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ out+40(FP), DI
	TESTQ R9, R9
	JZ narrowDone
narrowRows:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, AX
	LEAQ (SI)(R8*1), BX
	LEAQ (BX)(R8*1), CX
	LEAQ (CX)(R8*1), DX
	MOVQ b+32(FP), R10
	MOVQ k+8(FP), R11
	TESTQ R11, R11
	JZ narrowStore
narrowK:
	VMOVUPS (R10), Y4
	VBROADCASTSS (AX), Y5
	VFMADD231PS Y4, Y5, Y0
	VBROADCASTSS (BX), Y6
	VFMADD231PS Y4, Y6, Y1
	VBROADCASTSS (CX), Y7
	VFMADD231PS Y4, Y7, Y2
	VBROADCASTSS (DX), Y8
	VFMADD231PS Y4, Y8, Y3
	ADDQ $4, AX
	ADDQ $4, BX
	ADDQ $4, CX
	ADDQ $4, DX
	ADDQ $32, R10
	DECQ R11
	JNZ narrowK
narrowStore:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	LEAQ (SI)(R8*4), SI
	DECQ R9
	JNZ narrowRows
narrowDone:
	VZEROUPPER
	RET
