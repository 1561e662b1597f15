//go:build amd64 && !purego

#include "textflag.h"

// func taps16AVX512(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int)
//
// Four pixels (four vectors of 16 channels) per pass over the taps while
// they last, then one. Each tap loads its 16 weights once and adds them
// times each pixel's input at offs[t] (SI, R14, BX, AX: x advanced to
// pixels i..i+3) into the accumulators, which start at bias.
TEXT ·taps16AVX512(SB), NOSPLIT, $0-64
	MOVQ    dst+0(FP), DI
	MOVQ    n+8(FP), CX
	MOVQ    bias+16(FP), AX
	VMOVUPS (AX), Z15
	MOVQ    w+24(FP), R9
	MOVQ    offs+32(FP), R10
	MOVQ    taps+40(FP), R11
	MOVQ    x+48(FP), SI
	MOVQ    step+56(FP), R12
	SHLQ    $2, R12          // step in bytes

loop4:
	CMPQ    CX, $4
	JLT     loop1
	LEAQ    (SI)(R12*1), R14
	LEAQ    (SI)(R12*2), BX
	LEAQ    (R14)(R12*2), AX
	VMOVAPS Z15, Z0
	VMOVAPS Z15, Z1
	VMOVAPS Z15, Z2
	VMOVAPS Z15, Z3
	MOVQ    R9, R13
	XORQ    DX, DX

tap4:
	VMOVUPS     (R13), Z4
	MOVQ        (R10)(DX*8), R8
	VFMADD231PS (SI)(R8*4), Z4, Z0
	VFMADD231PS (R14)(R8*4), Z4, Z1
	VFMADD231PS (BX)(R8*4), Z4, Z2
	VFMADD231PS (AX)(R8*4), Z4, Z3
	ADDQ        $64, R13
	INCQ        DX
	CMPQ        DX, R11
	JLT         tap4
	VMOVUPS     Z0, (DI)
	VMOVUPS     Z1, 64(DI)
	VMOVUPS     Z2, 128(DI)
	VMOVUPS     Z3, 192(DI)
	ADDQ        $256, DI
	LEAQ        (SI)(R12*4), SI
	SUBQ        $4, CX
	JMP         loop4

loop1:
	TESTQ   CX, CX
	JZ      done
	VMOVAPS Z15, Z0
	MOVQ    R9, R13
	XORQ    DX, DX

tap1:
	VMOVUPS     (R13), Z4
	MOVQ        (R10)(DX*8), R8
	VFMADD231PS (SI)(R8*4), Z4, Z0
	ADDQ        $64, R13
	INCQ        DX
	CMPQ        DX, R11
	JLT         tap1
	VMOVUPS     Z0, (DI)
	ADDQ        $64, DI
	ADDQ        R12, SI
	DECQ        CX
	JMP         loop1

done:
	VZEROUPPER
	RET

// func taps16AVX2(dst *float32, n int, bias, w *float32, offs *int, taps int, x *float32, step int)
//
// taps16AVX512 on 8-lane vectors: two pixels (four vectors) per pass
// over the taps while they last, then one (two vectors).
TEXT ·taps16AVX2(SB), NOSPLIT, $0-64
	MOVQ    dst+0(FP), DI
	MOVQ    n+8(FP), CX
	MOVQ    bias+16(FP), AX
	VMOVUPS (AX), Y14
	VMOVUPS 32(AX), Y15
	MOVQ    w+24(FP), R9
	MOVQ    offs+32(FP), R10
	MOVQ    taps+40(FP), R11
	MOVQ    x+48(FP), SI
	MOVQ    step+56(FP), R12
	SHLQ    $2, R12

loop2:
	CMPQ    CX, $2
	JLT     one
	LEAQ    (SI)(R12*1), R14
	VMOVAPS Y14, Y0
	VMOVAPS Y15, Y1
	VMOVAPS Y14, Y2
	VMOVAPS Y15, Y3
	MOVQ    R9, R13
	XORQ    DX, DX

tap2:
	VMOVUPS     (R13), Y4
	VMOVUPS     32(R13), Y5
	MOVQ        (R10)(DX*8), R8
	VFMADD231PS (SI)(R8*4), Y4, Y0
	VFMADD231PS 32(SI)(R8*4), Y5, Y1
	VFMADD231PS (R14)(R8*4), Y4, Y2
	VFMADD231PS 32(R14)(R8*4), Y5, Y3
	ADDQ        $64, R13
	INCQ        DX
	CMPQ        DX, R11
	JLT         tap2
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, DI
	LEAQ        (SI)(R12*2), SI
	SUBQ        $2, CX
	JMP         loop2

one:
	TESTQ   CX, CX
	JZ      done2
	VMOVAPS Y14, Y0
	VMOVAPS Y15, Y1
	MOVQ    R9, R13
	XORQ    DX, DX

tap1b:
	VMOVUPS     (R13), Y4
	VMOVUPS     32(R13), Y5
	MOVQ        (R10)(DX*8), R8
	VFMADD231PS (SI)(R8*4), Y4, Y0
	VFMADD231PS 32(SI)(R8*4), Y5, Y1
	ADDQ        $64, R13
	INCQ        DX
	CMPQ        DX, R11
	JLT         tap1b
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)

done2:
	VZEROUPPER
	RET
