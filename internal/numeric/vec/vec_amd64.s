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

// MAXNAN sets dst = max(a, b), NaN if either is NaN (t is scratch):
// VMAXPS gives b where either is NaN; a's NaNs are blended back in.
#define MAXNAN(a, b, dst, t) \
	VMAXPS b, a, dst \
	VCMPPS $3, a, a, t \
	VBLENDVPS t, a, dst, dst

// func max3AVX2(dst, a, b, c *float32, n int)
TEXT ·max3AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), BX
	MOVQ n+32(FP), CX

m3loop:
	CMPQ CX, $8
	JLT  m3done
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS (BX), Y2
	MAXNAN(Y0, Y1, Y3, Y4)
	MAXNAN(Y3, Y2, Y5, Y4)
	VMOVUPS Y5, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, BX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     m3loop

m3done:
	VZEROUPPER
	RET

// func window3s2AVX2(dst, src *float32, n int)
//
// dst[i] = max(src[2i], src[2i+1], src[2i+2]) for i < n (a multiple of
// 8); reads src[0 : 2n+2]. The maxima at every position are computed
// from three shifted loads, then the even lanes are kept (VSHUFPS picks
// lanes 0 and 2 of each 128-bit half of the pair, VPERMPD puts the
// halves in order).
TEXT ·window3s2AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

w3loop:
	CMPQ CX, $8
	JLT  w3done
	VMOVUPS (SI), Y0
	VMOVUPS 4(SI), Y1
	VMOVUPS 8(SI), Y2
	MAXNAN(Y0, Y1, Y3, Y4)
	MAXNAN(Y3, Y2, Y5, Y4)
	VMOVUPS 32(SI), Y0
	VMOVUPS 36(SI), Y1
	VMOVUPS 40(SI), Y2
	MAXNAN(Y0, Y1, Y3, Y4)
	MAXNAN(Y3, Y2, Y6, Y4)
	VSHUFPS $0x88, Y6, Y5, Y7
	VPERMPD $0xD8, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     w3loop

w3done:
	VZEROUPPER
	RET

// func deinterleaveAVX2(even, odd, src *float32, n int)
//
// even[i] = src[2i], odd[i] = src[2i+1] for i < n (a multiple of 8):
// VSHUFPS picks lanes 0 and 2 (or 1 and 3) of each 128-bit half of a
// pair of vectors, VPERMPD puts the halves in order.
TEXT ·deinterleaveAVX2(SB), NOSPLIT, $0-32
	MOVQ even+0(FP), DI
	MOVQ odd+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX

diloop:
	CMPQ CX, $8
	JLT  didone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $64, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     diloop

didone:
	VZEROUPPER
	RET
