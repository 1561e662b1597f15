//go:build amd64 && !purego

#include "textflag.h"

// Constants of geluErfAVX2: Y7-Y15 hold the first nine, the others are
// broadcast into Y6 where used.
DATA geluc<>+0(SB)/4, $0x80000000  // sign bit
DATA geluc<>+4(SB)/4, $0x3f800000  // 1
DATA geluc<>+8(SB)/4, $0x3fb8aa3b  // log2(e)
DATA geluc<>+12(SB)/4, $0x3f318000 // ln2 high part
DATA geluc<>+16(SB)/4, $0xb95e8083 // ln2 low part
DATA geluc<>+20(SB)/4, $0xc2aea8f6 // -87.33: e^w is clamped below there
DATA geluc<>+24(SB)/4, $127        // exponent bias (int32)
DATA geluc<>+28(SB)/4, $0x3f000000 // 1/2
DATA geluc<>+32(SB)/4, $0x3f3504f3 // 1/√2
DATA geluc<>+36(SB)/4, $0x3ea7ba05 // p = 0.3275911
DATA geluc<>+40(SB)/4, $0x3f87dc22 // a5 = 1.061405429
DATA geluc<>+44(SB)/4, $0xbfba00e3 // a4 = -1.453152027
DATA geluc<>+48(SB)/4, $0x3fb5f0e3 // a3 = 1.421413741
DATA geluc<>+52(SB)/4, $0xbe91a98e // a2 = -0.284496736
DATA geluc<>+56(SB)/4, $0x3e827906 // a1 = 0.254829592
DATA geluc<>+60(SB)/4, $0x3ab60b61 // 1/720
DATA geluc<>+64(SB)/4, $0x3c088889 // 1/120
DATA geluc<>+68(SB)/4, $0x3d2aaaab // 1/24
DATA geluc<>+72(SB)/4, $0x3e2aaaab // 1/6
GLOBL geluc<>(SB), RODATA|NOPTR, $76

// FMAC sets acc = acc·x + the constant at off(AX), through Y6.
#define FMAC(off, x, acc) \
	VBROADCASTSS off(AX), Y6 \
	VFMADD213PS Y6, x, acc

// func geluErfAVX2(dst, src *float32, n int)
//
// dst[i] = x/2·(1 + erf(x/√2)) for x = src[i], i < n (a multiple of 8),
// as importer's erf32: with z = |x|/√2 and t = 1/(1 + p·z),
// erf(z) = 1 - t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(-z²)
// (Abramowitz and Stegun 7.1.26), e^(-z²) as in sigmoidAVX2, the sign
// of x put back. NaN stays NaN.
TEXT ·geluErfAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	LEAQ geluc<>(SB), AX
	VBROADCASTSS 0(AX), Y7   // sign
	VBROADCASTSS 4(AX), Y8   // 1
	VBROADCASTSS 8(AX), Y9   // log2(e)
	VBROADCASTSS 12(AX), Y10 // ln2hi
	VBROADCASTSS 16(AX), Y11 // ln2lo
	VBROADCASTSS 20(AX), Y12 // -87.33
	VBROADCASTSS 24(AX), Y13 // 127
	VBROADCASTSS 28(AX), Y14 // 1/2
	VBROADCASTSS 32(AX), Y15 // 1/√2

loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0         // x
	VMULPS  Y15, Y0, Y1      // z = x/√2
	VANDNPS Y1, Y7, Y1       // |z|
	VBROADCASTSS 36(AX), Y6
	VMOVAPS Y8, Y2
	VFMADD231PS Y6, Y1, Y2   // 1 + p·|z|
	VDIVPS  Y2, Y8, Y2       // t
	VBROADCASTSS 40(AX), Y3  // a5
	FMAC(44, Y2, Y3)         // ·t + a4
	FMAC(48, Y2, Y3)         // ·t + a3
	FMAC(52, Y2, Y3)         // ·t + a2
	FMAC(56, Y2, Y3)         // ·t + a1
	VMULPS  Y2, Y3, Y3       // P = ·t
	VMULPS  Y1, Y1, Y4       // z²
	VORPS   Y7, Y4, Y4       // w = -z²
	VMAXPS  Y4, Y12, Y4      // max(-87.33, w); NaN stays
	VMULPS  Y9, Y4, Y5       // w·log2(e)
	VROUNDPS $0, Y5, Y5      // n
	VFNMADD231PS Y10, Y5, Y4 // r = w - n·ln2hi
	VFNMADD231PS Y11, Y5, Y4 // r -= n·ln2lo
	VBROADCASTSS 60(AX), Y2  // q = 1/720 (t no longer needed)
	FMAC(64, Y4, Y2)         // ·r + 1/120
	FMAC(68, Y4, Y2)         // ·r + 1/24
	FMAC(72, Y4, Y2)         // ·r + 1/6
	VFMADD213PS Y14, Y4, Y2  // ·r + 1/2
	VFMADD213PS Y8, Y4, Y2   // ·r + 1
	VFMADD213PS Y8, Y4, Y2   // ·r + 1: e^r
	VCVTPS2DQ Y5, Y5
	VPADDD  Y13, Y5, Y5
	VPSLLD  $23, Y5, Y5      // 2^n
	VMULPS  Y5, Y2, Y2       // e^(-z²)
	VMOVAPS Y8, Y1
	VFNMADD231PS Y2, Y3, Y1  // erf(|z|) = 1 - P·e^(-z²)
	VANDPS  Y7, Y0, Y6       // x's sign
	VORPS   Y6, Y1, Y1       // erf(z)
	VADDPS  Y8, Y1, Y1       // 1 + erf
	VMULPS  Y0, Y1, Y1       // ·x
	VMULPS  Y14, Y1, Y1      // ·1/2
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     loop

done:
	VZEROUPPER
	RET
