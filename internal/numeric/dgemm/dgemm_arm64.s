//go:build arm64 && !purego

#include "textflag.h"

// FMLAD(d, n, m, i): Vd.2D += Vn.2D * Vm.D[i], FMLA by element, which
// Go's arm64 assembler (as of Go 1.26) lacks: encoded from the Arm
// Architecture Reference Manual (A64 "Advanced SIMD vector x indexed
// element", 128-bit Q form) with register numbers 0-31 for V0-V31. The
// tests under qemu-aarch64 run it; `go tool objdump` of an arm64 test
// binary shows it decoded.
#define FMLAD(d, n, m, i) WORD $(0x4fc01000 | ((i)<<11) | ((m)<<16) | ((n)<<5) | (d))

// func dgemmKernel8x6(k int, a, b, c *float64, ldc int)
//
// NEON: C[8x6] (row stride ldc float64s) += A·B over k, with A a packed
// panel of 8 rows ([k][8]) and B a packed panel of 6 columns ([k][6]).
// The tile of C is loaded into 24 accumulators (V0-V23, 3 per row) and
// stored back once; per k the 8 A values sit in V24-V27 and the 6 B values
// in V28-V30, one by-element FMLA per accumulator.
TEXT ·dgemmKernel8x6(SB), NOSPLIT, $0-40
	MOVD k+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD c+24(FP), R3
	MOVD ldc+32(FP), R4
	LSL $3, R4
	MOVD R3, R5
	VLD1 (R5), [V0.D2, V1.D2, V2.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V3.D2, V4.D2, V5.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V6.D2, V7.D2, V8.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V9.D2, V10.D2, V11.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V12.D2, V13.D2, V14.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V15.D2, V16.D2, V17.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V18.D2, V19.D2, V20.D2]
	ADD R4, R5, R5
	VLD1 (R5), [V21.D2, V22.D2, V23.D2]
	CBZ R0, dgemm8x6store
dgemm8x6loop:
	VLD1.P 64(R1), [V24.D2, V25.D2, V26.D2, V27.D2]
	VLD1.P 48(R2), [V28.D2, V29.D2, V30.D2]
	FMLAD(0, 28, 24, 0)
	FMLAD(1, 29, 24, 0)
	FMLAD(2, 30, 24, 0)
	FMLAD(3, 28, 24, 1)
	FMLAD(4, 29, 24, 1)
	FMLAD(5, 30, 24, 1)
	FMLAD(6, 28, 25, 0)
	FMLAD(7, 29, 25, 0)
	FMLAD(8, 30, 25, 0)
	FMLAD(9, 28, 25, 1)
	FMLAD(10, 29, 25, 1)
	FMLAD(11, 30, 25, 1)
	FMLAD(12, 28, 26, 0)
	FMLAD(13, 29, 26, 0)
	FMLAD(14, 30, 26, 0)
	FMLAD(15, 28, 26, 1)
	FMLAD(16, 29, 26, 1)
	FMLAD(17, 30, 26, 1)
	FMLAD(18, 28, 27, 0)
	FMLAD(19, 29, 27, 0)
	FMLAD(20, 30, 27, 0)
	FMLAD(21, 28, 27, 1)
	FMLAD(22, 29, 27, 1)
	FMLAD(23, 30, 27, 1)
	SUBS $1, R0, R0
	BNE dgemm8x6loop
dgemm8x6store:
	VST1 [V0.D2, V1.D2, V2.D2], (R3)
	ADD R4, R3, R3
	VST1 [V3.D2, V4.D2, V5.D2], (R3)
	ADD R4, R3, R3
	VST1 [V6.D2, V7.D2, V8.D2], (R3)
	ADD R4, R3, R3
	VST1 [V9.D2, V10.D2, V11.D2], (R3)
	ADD R4, R3, R3
	VST1 [V12.D2, V13.D2, V14.D2], (R3)
	ADD R4, R3, R3
	VST1 [V15.D2, V16.D2, V17.D2], (R3)
	ADD R4, R3, R3
	VST1 [V18.D2, V19.D2, V20.D2], (R3)
	ADD R4, R3, R3
	VST1 [V21.D2, V22.D2, V23.D2], (R3)
	RET
