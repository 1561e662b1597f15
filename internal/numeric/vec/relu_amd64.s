//go:build amd64 && !purego

#include "textflag.h"

// func reluAVX2(dst, src *float32, n int)
//
// Each value ANDed with the complement of its sign spread over all bits
// (VPSRAD $31): negative values, -0 and negative NaNs become +0.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

loop:
	CMPQ     CX, $8
	JLT      done
	VMOVUPS  (SI), Y0
	VPSRAD   $31, Y0, Y1
	VANDNPS  Y0, Y1, Y0
	VMOVUPS  Y0, (DI)
	ADDQ     $32, SI
	ADDQ     $32, DI
	SUBQ     $8, CX
	JMP      loop

done:
	VZEROUPPER
	RET

// func scaleAVX2(dst, src *float32, s float32, n int)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS s+16(FP), Y15
	MOVQ         n+24(FP), CX

loop:
	CMPQ    CX, $8
	JLT     done
	VMULPS  (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
