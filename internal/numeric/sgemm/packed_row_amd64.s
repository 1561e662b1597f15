//go:build amd64 && !purego

#include "textflag.h"

// func sgemvPanels16(panels, k int, x, b, out *float32)
//
// AVX-512: for each of panels packed B panels (k×32, row-major,
// consecutive at b), out[0:32] = sum_p x[p]·B[p][0:32], then out and b
// advance to the next panel. Four rows of B per turn into eight
// accumulators (two per row), summed at the end: the FMAs' latency
// hidden, each B row read once. k > 0.
TEXT ·sgemvPanels16(SB), NOSPLIT, $0-40
	MOVQ panels+0(FP), R9
	MOVQ k+8(FP), R8
	MOVQ b+24(FP), DX
	MOVQ out+32(FP), DI
rowPanel16:
	MOVQ x+16(FP), AX
	MOVQ R8, CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	CMPQ CX, $4
	JLT rowTail16
rowQuad16:
	VBROADCASTSS 0(AX), Z8
	VBROADCASTSS 4(AX), Z9
	VBROADCASTSS 8(AX), Z10
	VBROADCASTSS 12(AX), Z11
	VFMADD231PS 0(DX), Z8, Z0
	VFMADD231PS 64(DX), Z8, Z1
	VFMADD231PS 128(DX), Z9, Z2
	VFMADD231PS 192(DX), Z9, Z3
	VFMADD231PS 256(DX), Z10, Z4
	VFMADD231PS 320(DX), Z10, Z5
	VFMADD231PS 384(DX), Z11, Z6
	VFMADD231PS 448(DX), Z11, Z7
	ADDQ $16, AX
	ADDQ $512, DX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE rowQuad16
rowTail16:
	TESTQ CX, CX
	JZ rowStore16
rowOne16:
	VBROADCASTSS 0(AX), Z8
	VFMADD231PS 0(DX), Z8, Z0
	VFMADD231PS 64(DX), Z8, Z1
	ADDQ $4, AX
	ADDQ $128, DX
	DECQ CX
	JNZ rowOne16
rowStore16:
	VADDPS Z2, Z0, Z0
	VADDPS Z6, Z4, Z4
	VADDPS Z4, Z0, Z0
	VADDPS Z3, Z1, Z1
	VADDPS Z7, Z5, Z5
	VADDPS Z5, Z1, Z1
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $128, DI
	DECQ R9
	JNZ rowPanel16
	VZEROUPPER
	RET

// func sgemvPanels8(panels, k int, x, b, out *float32)
//
// AVX2+FMA: sgemvPanels16 with 8-wide registers, two rows of B per turn
// into eight accumulators (four per row). k > 0.
TEXT ·sgemvPanels8(SB), NOSPLIT, $0-40
	MOVQ panels+0(FP), R9
	MOVQ k+8(FP), R8
	MOVQ b+24(FP), DX
	MOVQ out+32(FP), DI
rowPanel8:
	MOVQ x+16(FP), AX
	MOVQ R8, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ CX, $2
	JLT rowTail8
rowPair8:
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VFMADD231PS 0(DX), Y8, Y0
	VFMADD231PS 32(DX), Y8, Y1
	VFMADD231PS 64(DX), Y8, Y2
	VFMADD231PS 96(DX), Y8, Y3
	VFMADD231PS 128(DX), Y9, Y4
	VFMADD231PS 160(DX), Y9, Y5
	VFMADD231PS 192(DX), Y9, Y6
	VFMADD231PS 224(DX), Y9, Y7
	ADDQ $8, AX
	ADDQ $256, DX
	SUBQ $2, CX
	CMPQ CX, $2
	JGE rowPair8
rowTail8:
	TESTQ CX, CX
	JZ rowStore8
	VBROADCASTSS 0(AX), Y8
	VFMADD231PS 0(DX), Y8, Y0
	VFMADD231PS 32(DX), Y8, Y1
	VFMADD231PS 64(DX), Y8, Y2
	VFMADD231PS 96(DX), Y8, Y3
	ADDQ $128, DX
rowStore8:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	DECQ R9
	JNZ rowPanel8
	VZEROUPPER
	RET
