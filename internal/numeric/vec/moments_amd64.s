//go:build amd64 && !purego

#include "textflag.h"

// func sumSqDevAVX2(x *float32, m float32, n int) float32
//
// Four accumulators of 8 lanes, each (m - x)² added by one fused
// multiply-add, then added pairwise.
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	VBROADCASTSS m+8(FP), Y15
	MOVQ         n+16(FP), CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3

loop:
	CMPQ        CX, $32
	JLT         reduce
	VSUBPS      (SI), Y15, Y4
	VSUBPS      32(SI), Y15, Y5
	VSUBPS      64(SI), Y15, Y6
	VSUBPS      96(SI), Y15, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         loop

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
	MOVSS        X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumDotDevAVX2(gy, x *float32, m float32, n int) (sg, sgx float32)
//
// Two accumulators of 8 lanes for each sum.
TEXT ·sumDotDevAVX2(SB), NOSPLIT, $0-40
	MOVQ         gy+0(FP), SI
	MOVQ         x+8(FP), DI
	VBROADCASTSS m+16(FP), Y15
	MOVQ         n+24(FP), CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3

loop:
	CMPQ        CX, $16
	JLT         reduce
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     (DI), Y6
	VMOVUPS     32(DI), Y7
	VADDPS      Y4, Y0, Y0
	VADDPS      Y5, Y1, Y1
	VSUBPS      Y15, Y6, Y6
	VSUBPS      Y15, Y7, Y7
	VFMADD231PS Y6, Y4, Y2
	VFMADD231PS Y7, Y5, Y3
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VPSHUFD      $1, X0, X1
	VADDSS       X1, X0, X0
	MOVSS        X0, sg+32(FP)
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2
	VMOVHLPS     X2, X2, X3
	VADDPS       X3, X2, X2
	VPSHUFD      $1, X2, X3
	VADDSS       X3, X2, X2
	MOVSS        X2, sgx+36(FP)
	VZEROUPPER
	RET

// func affineAVX2(dst, src *float32, a, b float32, n int)
TEXT ·affineAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS a+16(FP), Y15
	VBROADCASTSS b+20(FP), Y14
	MOVQ         n+24(FP), CX

loop32:
	CMPQ        CX, $32
	JLT         loop8
	VMOVUPS     (SI), Y0
	VMOVUPS     32(SI), Y1
	VMOVUPS     64(SI), Y2
	VMOVUPS     96(SI), Y3
	VFMADD213PS Y14, Y15, Y0
	VFMADD213PS Y14, Y15, Y1
	VFMADD213PS Y14, Y15, Y2
	VFMADD213PS Y14, Y15, Y3
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         loop32

loop8:
	CMPQ        CX, $8
	JLT         done
	VMOVUPS     (SI), Y0
	VFMADD213PS Y14, Y15, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

done:
	VZEROUPPER
	RET

// func addAffineDevAVX2(dst, gy, x *float32, a, b, m, c float32, n int)
//
// dst += a·g + b·(x - m) + c: x - m, then two fused multiply-adds into
// c + dst.
TEXT ·addAffineDevAVX2(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         x+16(FP), DX
	VBROADCASTSS a+24(FP), Y15
	VBROADCASTSS b+28(FP), Y14
	VBROADCASTSS m+32(FP), Y13
	VBROADCASTSS c+36(FP), Y12
	MOVQ         n+40(FP), CX

loop16:
	CMPQ        CX, $16
	JLT         loop8
	VMOVUPS     (DX), Y0
	VMOVUPS     32(DX), Y1
	VSUBPS      Y13, Y0, Y0
	VSUBPS      Y13, Y1, Y1
	VADDPS      (DI), Y12, Y2
	VADDPS      32(DI), Y12, Y3
	VFMADD231PS Y0, Y14, Y2
	VFMADD231PS Y1, Y14, Y3
	VFMADD231PS (SI), Y15, Y2
	VFMADD231PS 32(SI), Y15, Y3
	VMOVUPS     Y2, (DI)
	VMOVUPS     Y3, 32(DI)
	ADDQ        $64, SI
	ADDQ        $64, DX
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

loop8:
	CMPQ        CX, $8
	JLT         done
	VMOVUPS     (DX), Y0
	VSUBPS      Y13, Y0, Y0
	VADDPS      (DI), Y12, Y2
	VFMADD231PS Y0, Y14, Y2
	VFMADD231PS (SI), Y15, Y2
	VMOVUPS     Y2, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

done:
	VZEROUPPER
	RET

// func addWherePositiveAVX2(dst, gy, x *float32, n int)
//
// The mask 0 < x (ordered: false for NaN) ANDed with g, added to dst.
TEXT ·addWherePositiveAVX2(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   gy+8(FP), SI
	MOVQ   x+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15

loop16:
	CMPQ    CX, $16
	JLT     loop8
	VCMPPS  $0x11, (DX), Y15, Y0
	VCMPPS  $0x11, 32(DX), Y15, Y1
	VANDPS  (SI), Y0, Y0
	VANDPS  32(SI), Y1, Y1
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop16

loop8:
	CMPQ    CX, $8
	JLT     done
	VCMPPS  $0x11, (DX), Y15, Y0
	VANDPS  (SI), Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop8

done:
	VZEROUPPER
	RET
