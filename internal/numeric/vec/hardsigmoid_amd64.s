//go:build amd64 && !purego

#include "textflag.h"

// func hardSigmoidAVX2(dst, src *float32, alpha, beta float32, n int, swish int)
//
// v = alpha·x + beta (fused), clamped to [0, 1] with the operands ordered
// so that VMAXPS/VMINPS return v when it is NaN, times x when swish.
TEXT ·hardSigmoidAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS alpha+16(FP), Y14
	VBROADCASTSS beta+20(FP), Y13
	MOVQ         n+24(FP), CX
	MOVQ         swish+32(FP), BX
	VXORPS       Y12, Y12, Y12
	MOVL         $0x3f800000, AX
	MOVL         AX, X11
	VBROADCASTSS X11, Y11

loop:
	CMPQ         CX, $8
	JLT          done
	VMOVUPS      (SI), Y0
	VMOVAPS      Y0, Y1
	VFMADD213PS  Y13, Y14, Y1
	VMAXPS       Y1, Y12, Y1
	VMINPS       Y1, Y11, Y1
	TESTQ        BX, BX
	JZ           store
	VMULPS       Y0, Y1, Y1

store:
	VMOVUPS      Y1, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          loop

done:
	VZEROUPPER
	RET
