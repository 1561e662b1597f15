//go:build arm64 && !purego

// The NEON loops of the neon kernel path (4 floats per vector register).

#include "textflag.h"

// func axpyNEON(dst, x *float32, a float32, n int)
//
// dst[i] += a·x[i] by FMLA for i < n, n a multiple of 4: 16 floats per
// iteration, then 4.
TEXT ·axpyNEON(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	FMOVS a+16(FP), F0
	VDUP V0.S[0], V0.S4
	MOVD n+24(FP), R2
axpy16:
	CMP $16, R2
	BLT axpy4
	VLD1 (R0), [V1.S4, V2.S4, V3.S4, V4.S4]
	VLD1.P 64(R1), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA V5.S4, V0.S4, V1.S4
	VFMLA V6.S4, V0.S4, V2.S4
	VFMLA V7.S4, V0.S4, V3.S4
	VFMLA V8.S4, V0.S4, V4.S4
	VST1.P [V1.S4, V2.S4, V3.S4, V4.S4], 64(R0)
	SUB $16, R2, R2
	B axpy16
axpy4:
	CBZ R2, axpyDone
	VLD1 (R0), [V1.S4]
	VLD1.P 16(R1), [V5.S4]
	VFMLA V5.S4, V0.S4, V1.S4
	VST1.P [V1.S4], 16(R0)
	SUB $4, R2, R2
	B axpy4
axpyDone:
	RET

// func tapsNEON(dst *float32, n int, bias float32, w *float32, offs *int, taps int, x *float32)
//
// dst[i] = bias + sum_t w[t]·x[offs[t]+i] for i < n, n a multiple of 4,
// taps > 0: 16 outputs at a time in four accumulators (V0-V3) over all
// taps, each weight broadcast by LD1R, then 4 at a time (V0).
TEXT ·tapsNEON(SB), NOSPLIT, $0-56
	MOVD dst+0(FP), R0
	MOVD n+8(FP), R1
	FMOVS bias+16(FP), F31
	VDUP V31.S[0], V31.S4
	MOVD w+24(FP), R3
	MOVD offs+32(FP), R4
	MOVD taps+40(FP), R5
	MOVD x+48(FP), R6
taps16:
	CMP $16, R1
	BLT taps4
	VMOV V31.B16, V0.B16
	VMOV V31.B16, V1.B16
	VMOV V31.B16, V2.B16
	VMOV V31.B16, V3.B16
	MOVD R3, R7
	MOVD R4, R8
	MOVD R5, R9
taps16tap:
	VLD1R.P 4(R7), [V4.S4]
	MOVD.P 8(R8), R10
	ADD R10<<2, R6, R11
	VLD1 (R11), [V5.S4, V6.S4, V7.S4, V8.S4]
	VFMLA V5.S4, V4.S4, V0.S4
	VFMLA V6.S4, V4.S4, V1.S4
	VFMLA V7.S4, V4.S4, V2.S4
	VFMLA V8.S4, V4.S4, V3.S4
	SUBS $1, R9, R9
	BNE taps16tap
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	ADD $64, R6, R6
	SUB $16, R1, R1
	B taps16
taps4:
	CBZ R1, tapsDone
	VMOV V31.B16, V0.B16
	MOVD R3, R7
	MOVD R4, R8
	MOVD R5, R9
taps4tap:
	VLD1R.P 4(R7), [V4.S4]
	MOVD.P 8(R8), R10
	ADD R10<<2, R6, R11
	VLD1 (R11), [V5.S4]
	VFMLA V5.S4, V4.S4, V0.S4
	SUBS $1, R9, R9
	BNE taps4tap
	VST1.P [V0.S4], 16(R0)
	ADD $16, R6, R6
	SUB $4, R1, R1
	B taps4
tapsDone:
	RET
