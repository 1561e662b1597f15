//go:build arm64 && !purego

#include "textflag.h"

// func sgemmNarrow4x8(m4, k int, a *float32, lda int, b, out *float32)
//
// NEON: for 4·m4 rows of A (row-major, stride lda floats) and B a dense
// k×8 panel, out[i][0:8] = sum_p A[i][p]·B[p][0:8] (row stride 8): four
// rows at a time, two accumulators each (V0-V7), the B row (V16-V17)
// shared, each A element broadcast by LD1R.
TEXT ·sgemmNarrow4x8(SB), NOSPLIT, $0-48
	MOVD m4+0(FP), R0
	MOVD a+16(FP), R2
	MOVD lda+24(FP), R3
	LSL $2, R3
	MOVD out+40(FP), R5
	CBZ R0, narrowDone
narrowRows:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R2, R6
	ADD R3, R6, R7
	ADD R3, R7, R8
	ADD R3, R8, R9
	MOVD b+32(FP), R4
	MOVD k+8(FP), R1
	CBZ R1, narrowStore
narrowK:
	VLD1.P 32(R4), [V16.S4, V17.S4]
	VLD1R.P 4(R6), [V20.S4]
	VLD1R.P 4(R7), [V21.S4]
	VLD1R.P 4(R8), [V22.S4]
	VLD1R.P 4(R9), [V23.S4]
	VFMLA V16.S4, V20.S4, V0.S4
	VFMLA V17.S4, V20.S4, V1.S4
	VFMLA V16.S4, V21.S4, V2.S4
	VFMLA V17.S4, V21.S4, V3.S4
	VFMLA V16.S4, V22.S4, V4.S4
	VFMLA V17.S4, V22.S4, V5.S4
	VFMLA V16.S4, V23.S4, V6.S4
	VFMLA V17.S4, V23.S4, V7.S4
	SUBS $1, R1, R1
	BNE narrowK
narrowStore:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R5)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R5)
	ADD R3<<2, R2, R2
	SUBS $1, R0, R0
	BNE narrowRows
narrowDone:
	RET
