//go:build amd64 && !purego

// The AVX2+FMA micro-kernels of Shifted and Packed (16 YMM registers):
// tiles of 4x16 and 4x24 floats of C (8 and 12 accumulators), which
// differ only in the number of B vectors per k. They take
// sgemmShift8x32's arguments (sgemm_amd64.s) for 4 rows of an 8-row A
// panel: row t*ch+i of B is the floats at b + offs[t] + i*ldb; flags
// bit 0 adds the tile at add (row stride ldc), bit 1 applies ReLU as C
// is stored; bias (one value per row) may be nil.

#include "textflag.h"

// func sgemmShift4x16(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)
//
// A 4x16 tile of C in 8 YMM registers; 2 B vectors per k held in registers.
// Rows 0-3 of an 8-row packed A panel (32 bytes per k) from a.
TEXT ·sgemmShift4x16(SB), NOSPLIT, $0-88
	MOVQ taps+0(FP), R11
	MOVQ offs+8(FP), R12
	MOVQ a+24(FP), AX
	MOVQ b+32(FP), R13
	MOVQ ldb+40(FP), R14
	SHLQ $2, R14
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	MOVQ bias+64(FP), R10
	MOVQ flags+72(FP), R9
	TESTQ R10, R10
	JZ sgemmShift4x16zero
	VBROADCASTSS 0(R10), Y8
	VMOVAPS Y8, Y9
	VBROADCASTSS 4(R10), Y10
	VMOVAPS Y10, Y11
	VBROADCASTSS 8(R10), Y12
	VMOVAPS Y12, Y13
	VBROADCASTSS 12(R10), Y14
	VMOVAPS Y14, Y15
	JMP sgemmShift4x16start
sgemmShift4x16zero:
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
sgemmShift4x16start:
	TESTQ R11, R11
	JZ sgemmShift4x16done
sgemmShift4x16tap:
	MOVQ (R12), BX
	SHLQ $2, BX
	ADDQ R13, BX
	MOVQ ch+16(FP), CX
	TESTQ CX, CX
	JZ sgemmShift4x16next
sgemmShift4x16loop:
	LEAQ (BX)(R14*4), SI
	PREFETCHT0 0(SI)
	PREFETCHT0 60(SI)
	PREFETCHT0 512(AX)
	VMOVUPS 0(BX), Y0
	VMOVUPS 32(BX), Y1
	VBROADCASTSS 0(AX), Y2
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VBROADCASTSS 4(AX), Y2
	VFMADD231PS Y0, Y2, Y10
	VFMADD231PS Y1, Y2, Y11
	VBROADCASTSS 8(AX), Y2
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VBROADCASTSS 12(AX), Y2
	VFMADD231PS Y0, Y2, Y14
	VFMADD231PS Y1, Y2, Y15
	ADDQ $32, AX
	ADDQ R14, BX
	DECQ CX
	JNZ sgemmShift4x16loop
sgemmShift4x16next:
	ADDQ $8, R12
	DECQ R11
	JNZ sgemmShift4x16tap
sgemmShift4x16done:
	TESTQ $1, R9
	JZ sgemmShift4x16noacc
	MOVQ add+80(FP), DI
	VADDPS 0(DI), Y8, Y8
	VADDPS 32(DI), Y9, Y9
	ADDQ R8, DI
	VADDPS 0(DI), Y10, Y10
	VADDPS 32(DI), Y11, Y11
	ADDQ R8, DI
	VADDPS 0(DI), Y12, Y12
	VADDPS 32(DI), Y13, Y13
	ADDQ R8, DI
	VADDPS 0(DI), Y14, Y14
	VADDPS 32(DI), Y15, Y15
sgemmShift4x16noacc:
	TESTQ $2, R9
	JZ sgemmShift4x16store
	VXORPS Y0, Y0, Y0
	VMAXPS Y0, Y8, Y8
	VMAXPS Y0, Y9, Y9
	VMAXPS Y0, Y10, Y10
	VMAXPS Y0, Y11, Y11
	VMAXPS Y0, Y12, Y12
	VMAXPS Y0, Y13, Y13
	VMAXPS Y0, Y14, Y14
	VMAXPS Y0, Y15, Y15
sgemmShift4x16store:
	VMOVUPS Y8, 0(DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y10, 0(DX)
	VMOVUPS Y11, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y12, 0(DX)
	VMOVUPS Y13, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y14, 0(DX)
	VMOVUPS Y15, 32(DX)
	VZEROUPPER
	RET

// func sgemmShift4x24(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)
//
// A 4x24 tile of C in 12 YMM registers; 3 B vectors per k held in registers.
// Rows 0-3 of an 8-row packed A panel (32 bytes per k) from a.
TEXT ·sgemmShift4x24(SB), NOSPLIT, $0-88
	MOVQ taps+0(FP), R11
	MOVQ offs+8(FP), R12
	MOVQ a+24(FP), AX
	MOVQ b+32(FP), R13
	MOVQ ldb+40(FP), R14
	SHLQ $2, R14
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	MOVQ bias+64(FP), R10
	MOVQ flags+72(FP), R9
	TESTQ R10, R10
	JZ sgemmShift4x24zero
	VBROADCASTSS 0(R10), Y4
	VMOVAPS Y4, Y5
	VMOVAPS Y4, Y6
	VBROADCASTSS 4(R10), Y7
	VMOVAPS Y7, Y8
	VMOVAPS Y7, Y9
	VBROADCASTSS 8(R10), Y10
	VMOVAPS Y10, Y11
	VMOVAPS Y10, Y12
	VBROADCASTSS 12(R10), Y13
	VMOVAPS Y13, Y14
	VMOVAPS Y13, Y15
	JMP sgemmShift4x24start
sgemmShift4x24zero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
sgemmShift4x24start:
	TESTQ R11, R11
	JZ sgemmShift4x24done
sgemmShift4x24tap:
	MOVQ (R12), BX
	SHLQ $2, BX
	ADDQ R13, BX
	MOVQ ch+16(FP), CX
	TESTQ CX, CX
	JZ sgemmShift4x24next
sgemmShift4x24loop:
	LEAQ (BX)(R14*4), SI
	PREFETCHT0 0(SI)
	PREFETCHT0 64(SI)
	PREFETCHT0 92(SI)
	PREFETCHT0 512(AX)
	VMOVUPS 0(BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS 64(BX), Y2
	VBROADCASTSS 0(AX), Y3
	VFMADD231PS Y0, Y3, Y4
	VFMADD231PS Y1, Y3, Y5
	VFMADD231PS Y2, Y3, Y6
	VBROADCASTSS 4(AX), Y3
	VFMADD231PS Y0, Y3, Y7
	VFMADD231PS Y1, Y3, Y8
	VFMADD231PS Y2, Y3, Y9
	VBROADCASTSS 8(AX), Y3
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VFMADD231PS Y2, Y3, Y12
	VBROADCASTSS 12(AX), Y3
	VFMADD231PS Y0, Y3, Y13
	VFMADD231PS Y1, Y3, Y14
	VFMADD231PS Y2, Y3, Y15
	ADDQ $32, AX
	ADDQ R14, BX
	DECQ CX
	JNZ sgemmShift4x24loop
sgemmShift4x24next:
	ADDQ $8, R12
	DECQ R11
	JNZ sgemmShift4x24tap
sgemmShift4x24done:
	TESTQ $1, R9
	JZ sgemmShift4x24noacc
	MOVQ add+80(FP), DI
	VADDPS 0(DI), Y4, Y4
	VADDPS 32(DI), Y5, Y5
	VADDPS 64(DI), Y6, Y6
	ADDQ R8, DI
	VADDPS 0(DI), Y7, Y7
	VADDPS 32(DI), Y8, Y8
	VADDPS 64(DI), Y9, Y9
	ADDQ R8, DI
	VADDPS 0(DI), Y10, Y10
	VADDPS 32(DI), Y11, Y11
	VADDPS 64(DI), Y12, Y12
	ADDQ R8, DI
	VADDPS 0(DI), Y13, Y13
	VADDPS 32(DI), Y14, Y14
	VADDPS 64(DI), Y15, Y15
sgemmShift4x24noacc:
	TESTQ $2, R9
	JZ sgemmShift4x24store
	VXORPS Y0, Y0, Y0
	VMAXPS Y0, Y4, Y4
	VMAXPS Y0, Y5, Y5
	VMAXPS Y0, Y6, Y6
	VMAXPS Y0, Y7, Y7
	VMAXPS Y0, Y8, Y8
	VMAXPS Y0, Y9, Y9
	VMAXPS Y0, Y10, Y10
	VMAXPS Y0, Y11, Y11
	VMAXPS Y0, Y12, Y12
	VMAXPS Y0, Y13, Y13
	VMAXPS Y0, Y14, Y14
	VMAXPS Y0, Y15, Y15
sgemmShift4x24store:
	VMOVUPS Y4, 0(DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, 64(DX)
	ADDQ R8, DX
	VMOVUPS Y7, 0(DX)
	VMOVUPS Y8, 32(DX)
	VMOVUPS Y9, 64(DX)
	ADDQ R8, DX
	VMOVUPS Y10, 0(DX)
	VMOVUPS Y11, 32(DX)
	VMOVUPS Y12, 64(DX)
	ADDQ R8, DX
	VMOVUPS Y13, 0(DX)
	VMOVUPS Y14, 32(DX)
	VMOVUPS Y15, 64(DX)
	VZEROUPPER
	RET
