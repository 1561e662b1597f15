//go:build amd64 && !purego

#include "textflag.h"

// func maxAVX2(dst, a, b *float32, n int)
//
// VMAXPS returns its second source when either operand is NaN, so
// max(a, b) gives b's NaN; a's NaN is blended back in where a is
// unordered. Two vectors (16 floats) per iteration, then one.
TEXT ·maxAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX

loop16:
	CMPQ CX, $16
	JLT  tail8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y4
	VMOVUPS (DX), Y1
	VMOVUPS 32(DX), Y5
	VMAXPS  Y1, Y0, Y2
	VMAXPS  Y5, Y4, Y6
	VCMPPS  $3, Y0, Y0, Y3
	VCMPPS  $3, Y4, Y4, Y7
	VBLENDVPS Y3, Y0, Y2, Y2
	VBLENDVPS Y7, Y4, Y6, Y6
	VMOVUPS Y2, (DI)
	VMOVUPS Y6, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

tail8:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMAXPS  Y1, Y0, Y2
	VCMPPS  $3, Y0, Y0, Y3
	VBLENDVPS Y3, Y0, Y2, Y2
	VMOVUPS Y2, (DI)

done:
	VZEROUPPER
	RET

// func addAVX2(dst, a, b *float32, n int, relu int)
//
// ReLU as v &^ (v >> 31, arithmetic): the sign bit set clears the value.
TEXT ·addAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ relu+32(FP), BX
	TESTQ BX, BX
	JNZ  reluloop

addloop:
	CMPQ CX, $8
	JLT  adddone
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     addloop

reluloop:
	CMPQ CX, $8
	JLT  adddone
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VPSRAD  $31, Y0, Y1
	VPANDN  Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     reluloop

adddone:
	VZEROUPPER
	RET
