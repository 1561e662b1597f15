//go:build amd64 && !purego

#include "textflag.h"

// Constants of sigmoidAVX2, broadcast into Y4-Y15.
DATA sigc<>+0(SB)/4, $0x80000000  // sign bit
DATA sigc<>+4(SB)/4, $0xc2aea8f6  // -87.33: e^t is clamped below there
DATA sigc<>+8(SB)/4, $0x3fb8aa3b  // log2(e)
DATA sigc<>+12(SB)/4, $0x3f318000 // ln2 high part (0.693359375)
DATA sigc<>+16(SB)/4, $0xb95e8083 // ln2 low part (-2.12194440e-4)
DATA sigc<>+20(SB)/4, $0x3ab60b61 // 1/720
DATA sigc<>+24(SB)/4, $0x3c088889 // 1/120
DATA sigc<>+28(SB)/4, $0x3d2aaaab // 1/24
DATA sigc<>+32(SB)/4, $0x3e2aaaab // 1/6
DATA sigc<>+36(SB)/4, $0x3f000000 // 1/2
DATA sigc<>+40(SB)/4, $0x3f800000 // 1
DATA sigc<>+44(SB)/4, $127        // exponent bias (int32)
GLOBL sigc<>(SB), RODATA|NOPTR, $48

// func sigmoidAVX2(dst, src *float32, n int, silu int)
//
// dst[i] = 1/(1+e^-x) for x = src[i], i < n (a multiple of 8), times x
// when silu is 1 (rounded once more, as x*Sigmoid(x) in two steps), or
// e^-|x| itself when silu is 2 (ExpNegAbs), as
// importer's sigmoid32: e = e^-|x| (never overflows; clamped at e^-87.33),
// through t = -|x| = n·ln2 + r, |r| <= ln2/2, e^r by a degree-6
// polynomial (FMA), 2^n built in the exponent bits; then 1/(1+e) where
// x >= 0 and e/(1+e) where x < 0 (blended on x's sign). NaN stays NaN.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ silu+24(FP), BX
	LEAQ sigc<>(SB), AX
	VBROADCASTSS 0(AX), Y4
	VBROADCASTSS 4(AX), Y5
	VBROADCASTSS 8(AX), Y6
	VBROADCASTSS 12(AX), Y7
	VBROADCASTSS 16(AX), Y8
	VBROADCASTSS 20(AX), Y9
	VBROADCASTSS 24(AX), Y10
	VBROADCASTSS 28(AX), Y11
	VBROADCASTSS 32(AX), Y12
	VBROADCASTSS 36(AX), Y13
	VBROADCASTSS 40(AX), Y14
	VBROADCASTSS 44(AX), Y15

loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0        // x
	VORPS   Y4, Y0, Y1      // t = -|x|
	VMAXPS  Y1, Y5, Y1      // max(-87.33, t); NaN stays (second source)
	VMULPS  Y6, Y1, Y2      // t·log2(e)
	VROUNDPS $0, Y2, Y2     // n, to nearest
	VFNMADD231PS Y7, Y2, Y1 // r = t - n·ln2hi
	VFNMADD231PS Y8, Y2, Y1 // r -= n·ln2lo
	VMOVAPS Y9, Y3          // p = 1/720
	VFMADD213PS Y10, Y1, Y3 // p = p·r + 1/120
	VFMADD213PS Y11, Y1, Y3 // + 1/24
	VFMADD213PS Y12, Y1, Y3 // + 1/6
	VFMADD213PS Y13, Y1, Y3 // + 1/2
	VFMADD213PS Y14, Y1, Y3 // + 1
	VFMADD213PS Y14, Y1, Y3 // + 1: p = e^r
	VCVTPS2DQ Y2, Y2        // n as int32
	VPADDD  Y15, Y2, Y2     // n + 127
	VPSLLD  $23, Y2, Y2     // 2^n
	VMULPS  Y2, Y3, Y3      // e = e^t
	CMPQ    BX, $2
	JNE     sigmoid
	VMOVUPS Y3, (DI)        // mode 2: e^-|x|
	JMP     next

sigmoid:
	VADDPS  Y14, Y3, Y1     // 1 + e
	VDIVPS  Y1, Y14, Y2     // 1/(1+e): x >= 0
	VMULPS  Y2, Y3, Y3      // e/(1+e): x < 0
	VBLENDVPS Y0, Y3, Y2, Y2
	TESTQ   BX, BX
	JZ      store
	VMULPS  Y0, Y2, Y2      // x·sigmoid(x)

store:
	VMOVUPS Y2, (DI)

next:
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
