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

// func sumAVX2(x *float32, n int) float32
//
// Four vector accumulators (32 lanes), added pairwise at the end.
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

loop:
	CMPQ   CX, $32
	JLT    reduce
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    loop

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VPSHUFD      $1, X0, X1
	VADDSS       X1, X0, X0
	MOVSS        X0, ret+16(FP)
	VZEROUPPER
	RET
