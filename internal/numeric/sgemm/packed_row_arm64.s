//go:build arm64 && !purego

#include "textflag.h"

// func sgemvPanels4(panels, k int, x, b, out *float32)
//
// NEON: out[32p : 32p+32] = sum_i x[i]·B_p[i][0:32] for p < panels, where
// the packed panels B_p ([k][32]) follow one another at b and k > 0: a
// panel's 32 sums in eight accumulators (V0-V7), x[i] broadcast by LD1R.
TEXT ·sgemvPanels4(SB), NOSPLIT, $0-40
	MOVD panels+0(FP), R0
	MOVD x+16(FP), R2
	MOVD b+24(FP), R3
	MOVD out+32(FP), R4
	CBZ R0, rowDone
rowPanel:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	MOVD R2, R5
	MOVD k+8(FP), R1
rowK:
	VLD1R.P 4(R5), [V16.S4]
	VLD1.P 64(R3), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1.P 64(R3), [V12.S4, V13.S4, V14.S4, V15.S4]
	VFMLA V8.S4, V16.S4, V0.S4
	VFMLA V9.S4, V16.S4, V1.S4
	VFMLA V10.S4, V16.S4, V2.S4
	VFMLA V11.S4, V16.S4, V3.S4
	VFMLA V12.S4, V16.S4, V4.S4
	VFMLA V13.S4, V16.S4, V5.S4
	VFMLA V14.S4, V16.S4, V6.S4
	VFMLA V15.S4, V16.S4, V7.S4
	SUBS $1, R1, R1
	BNE rowK
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R4)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R4)
	SUBS $1, R0, R0
	BNE rowPanel
rowDone:
	RET
