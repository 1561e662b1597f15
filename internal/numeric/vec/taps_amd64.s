//go:build amd64 && !purego

#include "textflag.h"

// func tapsAVX512(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)
//
// Four vectors (64 outputs) per pass over the taps while they last, then
// one, then the last n%16 under mask K1. Each tap broadcasts w[t] and
// adds it times x[offs[t]+i:] (SI is x advanced to the block) into the
// accumulators, which start at bias.
TEXT ·tapsAVX512(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS bias+16(FP), Z15
	MOVQ         w+24(FP), R9
	MOVQ         offs+32(FP), R10
	MOVQ         taps+40(FP), R11
	MOVQ         x+48(FP), SI

loop64:
	CMPQ        CX, $64
	JLT         loop16
	VMOVAPS     Z15, Z0
	VMOVAPS     Z15, Z1
	VMOVAPS     Z15, Z2
	VMOVAPS     Z15, Z3
	XORQ        DX, DX

tap64:
	VBROADCASTSS (R9)(DX*4), Z4
	MOVQ         (R10)(DX*8), R8
	VFMADD231PS  (SI)(R8*4), Z4, Z0
	VFMADD231PS  64(SI)(R8*4), Z4, Z1
	VFMADD231PS  128(SI)(R8*4), Z4, Z2
	VFMADD231PS  192(SI)(R8*4), Z4, Z3
	INCQ         DX
	CMPQ         DX, R11
	JLT          tap64
	VMOVUPS      Z0, (DI)
	VMOVUPS      Z1, 64(DI)
	VMOVUPS      Z2, 128(DI)
	VMOVUPS      Z3, 192(DI)
	ADDQ         $256, SI
	ADDQ         $256, DI
	SUBQ         $64, CX
	JMP          loop64

loop16:
	CMPQ        CX, $16
	JLT         tail
	VMOVAPS     Z15, Z0
	XORQ        DX, DX

tap16:
	VBROADCASTSS (R9)(DX*4), Z4
	MOVQ         (R10)(DX*8), R8
	VFMADD231PS  (SI)(R8*4), Z4, Z0
	INCQ         DX
	CMPQ         DX, R11
	JLT          tap16
	VMOVUPS      Z0, (DI)
	ADDQ         $64, SI
	ADDQ         $64, DI
	SUBQ         $16, CX
	JMP          loop16

tail:
	TESTQ       CX, CX
	JZ          done
	MOVL        $1, AX
	SHLL        CX, AX
	DECL        AX
	KMOVW       AX, K1
	VMOVAPS     Z15, Z0
	XORQ        DX, DX

tapTail:
	VBROADCASTSS (R9)(DX*4), Z4
	MOVQ         (R10)(DX*8), R8
	VMOVUPS.Z    (SI)(R8*4), K1, Z5
	VFMADD231PS  Z5, Z4, Z0
	INCQ         DX
	CMPQ         DX, R11
	JLT          tapTail
	VMOVUPS      Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func tapsAVX2(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)
//
// tapsAVX512 on 8-lane vectors: four (32 outputs) per pass over the taps
// while they last, then one; n is a multiple of 8.
TEXT ·tapsAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS bias+16(FP), Y15
	MOVQ         w+24(FP), R9
	MOVQ         offs+32(FP), R10
	MOVQ         taps+40(FP), R11
	MOVQ         x+48(FP), SI

loop32:
	CMPQ        CX, $32
	JLT         loop8
	VMOVAPS     Y15, Y0
	VMOVAPS     Y15, Y1
	VMOVAPS     Y15, Y2
	VMOVAPS     Y15, Y3
	XORQ        DX, DX

tap32:
	VBROADCASTSS (R9)(DX*4), Y4
	MOVQ         (R10)(DX*8), R8
	VFMADD231PS  (SI)(R8*4), Y4, Y0
	VFMADD231PS  32(SI)(R8*4), Y4, Y1
	VFMADD231PS  64(SI)(R8*4), Y4, Y2
	VFMADD231PS  96(SI)(R8*4), Y4, Y3
	INCQ         DX
	CMPQ         DX, R11
	JLT          tap32
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, 64(DI)
	VMOVUPS      Y3, 96(DI)
	ADDQ         $128, SI
	ADDQ         $128, DI
	SUBQ         $32, CX
	JMP          loop32

loop8:
	CMPQ        CX, $8
	JLT         done
	VMOVAPS     Y15, Y0
	XORQ        DX, DX

tap8:
	VBROADCASTSS (R9)(DX*4), Y4
	MOVQ         (R10)(DX*8), R8
	VFMADD231PS  (SI)(R8*4), Y4, Y0
	INCQ         DX
	CMPQ         DX, R11
	JLT          tap8
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JMP          loop8

done:
	VZEROUPPER
	RET
