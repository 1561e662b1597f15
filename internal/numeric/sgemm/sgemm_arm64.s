//go:build arm64 && !purego

// The NEON micro-kernels of Shifted and Packed: tiles of 8x12 and 8x8
// floats of C (24 and 16 of the 32 vector registers), which differ only in
// the number of B vectors per k. They take sgemmShift8x32's arguments
// (sgemm_amd64.s): row t*ch+i of B is the floats at b + offs[t] + i*ldb;
// a is an 8-row packed A panel ([k][8]); flags bit 0 adds the tile at add
// (row stride ldc; add may be c), bit 1 applies ReLU as C is stored;
// bias (one value per row) may be nil. Packed runs them on a packed B
// panel as one tap of row stride PanelN.

#include "textflag.h"

// Go's arm64 assembler (as of Go 1.26) has no mnemonics for FMLA by
// element, or for FADD and FMAXNM on vectors: these macros encode them
// (Arm Architecture Reference Manual, A64 "Advanced SIMD vector x indexed
// element" and "three same" classes, 128-bit Q form) with register
// numbers 0-31 for V0-V31. The tests under qemu-aarch64 run them; `go tool
// objdump` of an arm64 test binary shows them decoded.

// FMLAS(d, n, m, i): Vd.4S += Vn.4S * Vm.S[i].
#define FMLAS(d, n, m, i) WORD $(0x4f801000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// FADDS(d, n, m): Vd.4S = Vn.4S + Vm.4S.
#define FADDS(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))

// FMAXNMS(d, n, m): Vd.4S = maxNum(Vn.4S, Vm.4S), the number if one lane
// is a quiet NaN (ReLU against zero turns NaN into 0, as the amd64
// kernels' VMAXPS does).
#define FMAXNMS(d, n, m) WORD $(0x4e20c400 | ((m)<<16) | ((n)<<5) | (d))

// func sgemmShift8x12(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)
//
// An 8x12 tile of C in 24 accumulators (V0-V23, 3 per row): per k,
// the 8 floats of the packed A panel in V24-V25 and 3 B vectors in
// V26-V28, one by-element FMLA per accumulator.
TEXT ·sgemmShift8x12(SB), NOSPLIT, $0-88
	MOVD taps+0(FP), R0
	MOVD offs+8(FP), R1
	MOVD ch+16(FP), R2
	MOVD a+24(FP), R3
	MOVD b+32(FP), R4
	MOVD ldb+40(FP), R5
	LSL $2, R5
	MOVD c+48(FP), R6
	MOVD ldc+56(FP), R7
	LSL $2, R7
	MOVD bias+64(FP), R8
	MOVD flags+72(FP), R9
	MOVD add+80(FP), R10
	CBZ R8, sgemmShift8x12zero
	VLD1 (R8), [V24.S4, V25.S4]
	VDUP V24.S[0], V0.S4
	VMOV V0.B16, V1.B16
	VMOV V0.B16, V2.B16
	VDUP V24.S[1], V3.S4
	VMOV V3.B16, V4.B16
	VMOV V3.B16, V5.B16
	VDUP V24.S[2], V6.S4
	VMOV V6.B16, V7.B16
	VMOV V6.B16, V8.B16
	VDUP V24.S[3], V9.S4
	VMOV V9.B16, V10.B16
	VMOV V9.B16, V11.B16
	VDUP V25.S[0], V12.S4
	VMOV V12.B16, V13.B16
	VMOV V12.B16, V14.B16
	VDUP V25.S[1], V15.S4
	VMOV V15.B16, V16.B16
	VMOV V15.B16, V17.B16
	VDUP V25.S[2], V18.S4
	VMOV V18.B16, V19.B16
	VMOV V18.B16, V20.B16
	VDUP V25.S[3], V21.S4
	VMOV V21.B16, V22.B16
	VMOV V21.B16, V23.B16
	B sgemmShift8x12start
sgemmShift8x12zero:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
sgemmShift8x12start:
	CBZ R0, sgemmShift8x12done
sgemmShift8x12tap:
	MOVD.P 8(R1), R11
	ADD R11<<2, R4, R12
	MOVD R2, R13
	CBZ R13, sgemmShift8x12next
sgemmShift8x12loop:
	VLD1.P 32(R3), [V24.S4, V25.S4]
	VLD1 (R12), [V26.S4, V27.S4, V28.S4]
	ADD R5, R12, R12
	FMLAS(0, 26, 24, 0)
	FMLAS(1, 27, 24, 0)
	FMLAS(2, 28, 24, 0)
	FMLAS(3, 26, 24, 1)
	FMLAS(4, 27, 24, 1)
	FMLAS(5, 28, 24, 1)
	FMLAS(6, 26, 24, 2)
	FMLAS(7, 27, 24, 2)
	FMLAS(8, 28, 24, 2)
	FMLAS(9, 26, 24, 3)
	FMLAS(10, 27, 24, 3)
	FMLAS(11, 28, 24, 3)
	FMLAS(12, 26, 25, 0)
	FMLAS(13, 27, 25, 0)
	FMLAS(14, 28, 25, 0)
	FMLAS(15, 26, 25, 1)
	FMLAS(16, 27, 25, 1)
	FMLAS(17, 28, 25, 1)
	FMLAS(18, 26, 25, 2)
	FMLAS(19, 27, 25, 2)
	FMLAS(20, 28, 25, 2)
	FMLAS(21, 26, 25, 3)
	FMLAS(22, 27, 25, 3)
	FMLAS(23, 28, 25, 3)
	SUBS $1, R13, R13
	BNE sgemmShift8x12loop
sgemmShift8x12next:
	SUBS $1, R0, R0
	BNE sgemmShift8x12tap
sgemmShift8x12done:
	TBZ $0, R9, sgemmShift8x12noacc
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(0, 0, 24)
	FADDS(1, 1, 25)
	FADDS(2, 2, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(3, 3, 24)
	FADDS(4, 4, 25)
	FADDS(5, 5, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(6, 6, 24)
	FADDS(7, 7, 25)
	FADDS(8, 8, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(9, 9, 24)
	FADDS(10, 10, 25)
	FADDS(11, 11, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(12, 12, 24)
	FADDS(13, 13, 25)
	FADDS(14, 14, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(15, 15, 24)
	FADDS(16, 16, 25)
	FADDS(17, 17, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	ADD R7, R10, R10
	FADDS(18, 18, 24)
	FADDS(19, 19, 25)
	FADDS(20, 20, 26)
	VLD1 (R10), [V24.S4, V25.S4, V26.S4]
	FADDS(21, 21, 24)
	FADDS(22, 22, 25)
	FADDS(23, 23, 26)
sgemmShift8x12noacc:
	TBZ $1, R9, sgemmShift8x12store
	VEOR V31.B16, V31.B16, V31.B16
	FMAXNMS(0, 0, 31)
	FMAXNMS(1, 1, 31)
	FMAXNMS(2, 2, 31)
	FMAXNMS(3, 3, 31)
	FMAXNMS(4, 4, 31)
	FMAXNMS(5, 5, 31)
	FMAXNMS(6, 6, 31)
	FMAXNMS(7, 7, 31)
	FMAXNMS(8, 8, 31)
	FMAXNMS(9, 9, 31)
	FMAXNMS(10, 10, 31)
	FMAXNMS(11, 11, 31)
	FMAXNMS(12, 12, 31)
	FMAXNMS(13, 13, 31)
	FMAXNMS(14, 14, 31)
	FMAXNMS(15, 15, 31)
	FMAXNMS(16, 16, 31)
	FMAXNMS(17, 17, 31)
	FMAXNMS(18, 18, 31)
	FMAXNMS(19, 19, 31)
	FMAXNMS(20, 20, 31)
	FMAXNMS(21, 21, 31)
	FMAXNMS(22, 22, 31)
	FMAXNMS(23, 23, 31)
sgemmShift8x12store:
	VST1 [V0.S4, V1.S4, V2.S4], (R6)
	ADD R7, R6, R6
	VST1 [V3.S4, V4.S4, V5.S4], (R6)
	ADD R7, R6, R6
	VST1 [V6.S4, V7.S4, V8.S4], (R6)
	ADD R7, R6, R6
	VST1 [V9.S4, V10.S4, V11.S4], (R6)
	ADD R7, R6, R6
	VST1 [V12.S4, V13.S4, V14.S4], (R6)
	ADD R7, R6, R6
	VST1 [V15.S4, V16.S4, V17.S4], (R6)
	ADD R7, R6, R6
	VST1 [V18.S4, V19.S4, V20.S4], (R6)
	ADD R7, R6, R6
	VST1 [V21.S4, V22.S4, V23.S4], (R6)
	RET

// func sgemmShift8x8(taps int, offs *int, ch int, a, b *float32, ldb int, c *float32, ldc int, bias *float32, flags int, add *float32)
//
// An 8x8 tile of C in 16 accumulators (V0-V15, 2 per row): per k,
// the 8 floats of the packed A panel in V24-V25 and 2 B vectors in
// V26-V27, one by-element FMLA per accumulator.
TEXT ·sgemmShift8x8(SB), NOSPLIT, $0-88
	MOVD taps+0(FP), R0
	MOVD offs+8(FP), R1
	MOVD ch+16(FP), R2
	MOVD a+24(FP), R3
	MOVD b+32(FP), R4
	MOVD ldb+40(FP), R5
	LSL $2, R5
	MOVD c+48(FP), R6
	MOVD ldc+56(FP), R7
	LSL $2, R7
	MOVD bias+64(FP), R8
	MOVD flags+72(FP), R9
	MOVD add+80(FP), R10
	CBZ R8, sgemmShift8x8zero
	VLD1 (R8), [V24.S4, V25.S4]
	VDUP V24.S[0], V0.S4
	VMOV V0.B16, V1.B16
	VDUP V24.S[1], V2.S4
	VMOV V2.B16, V3.B16
	VDUP V24.S[2], V4.S4
	VMOV V4.B16, V5.B16
	VDUP V24.S[3], V6.S4
	VMOV V6.B16, V7.B16
	VDUP V25.S[0], V8.S4
	VMOV V8.B16, V9.B16
	VDUP V25.S[1], V10.S4
	VMOV V10.B16, V11.B16
	VDUP V25.S[2], V12.S4
	VMOV V12.B16, V13.B16
	VDUP V25.S[3], V14.S4
	VMOV V14.B16, V15.B16
	B sgemmShift8x8start
sgemmShift8x8zero:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
sgemmShift8x8start:
	CBZ R0, sgemmShift8x8done
sgemmShift8x8tap:
	MOVD.P 8(R1), R11
	ADD R11<<2, R4, R12
	MOVD R2, R13
	CBZ R13, sgemmShift8x8next
sgemmShift8x8loop:
	VLD1.P 32(R3), [V24.S4, V25.S4]
	VLD1 (R12), [V26.S4, V27.S4]
	ADD R5, R12, R12
	FMLAS(0, 26, 24, 0)
	FMLAS(1, 27, 24, 0)
	FMLAS(2, 26, 24, 1)
	FMLAS(3, 27, 24, 1)
	FMLAS(4, 26, 24, 2)
	FMLAS(5, 27, 24, 2)
	FMLAS(6, 26, 24, 3)
	FMLAS(7, 27, 24, 3)
	FMLAS(8, 26, 25, 0)
	FMLAS(9, 27, 25, 0)
	FMLAS(10, 26, 25, 1)
	FMLAS(11, 27, 25, 1)
	FMLAS(12, 26, 25, 2)
	FMLAS(13, 27, 25, 2)
	FMLAS(14, 26, 25, 3)
	FMLAS(15, 27, 25, 3)
	SUBS $1, R13, R13
	BNE sgemmShift8x8loop
sgemmShift8x8next:
	SUBS $1, R0, R0
	BNE sgemmShift8x8tap
sgemmShift8x8done:
	TBZ $0, R9, sgemmShift8x8noacc
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(0, 0, 24)
	FADDS(1, 1, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(2, 2, 24)
	FADDS(3, 3, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(4, 4, 24)
	FADDS(5, 5, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(6, 6, 24)
	FADDS(7, 7, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(8, 8, 24)
	FADDS(9, 9, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(10, 10, 24)
	FADDS(11, 11, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	ADD R7, R10, R10
	FADDS(12, 12, 24)
	FADDS(13, 13, 25)
	VLD1 (R10), [V24.S4, V25.S4]
	FADDS(14, 14, 24)
	FADDS(15, 15, 25)
sgemmShift8x8noacc:
	TBZ $1, R9, sgemmShift8x8store
	VEOR V31.B16, V31.B16, V31.B16
	FMAXNMS(0, 0, 31)
	FMAXNMS(1, 1, 31)
	FMAXNMS(2, 2, 31)
	FMAXNMS(3, 3, 31)
	FMAXNMS(4, 4, 31)
	FMAXNMS(5, 5, 31)
	FMAXNMS(6, 6, 31)
	FMAXNMS(7, 7, 31)
	FMAXNMS(8, 8, 31)
	FMAXNMS(9, 9, 31)
	FMAXNMS(10, 10, 31)
	FMAXNMS(11, 11, 31)
	FMAXNMS(12, 12, 31)
	FMAXNMS(13, 13, 31)
	FMAXNMS(14, 14, 31)
	FMAXNMS(15, 15, 31)
sgemmShift8x8store:
	VST1 [V0.S4, V1.S4], (R6)
	ADD R7, R6, R6
	VST1 [V2.S4, V3.S4], (R6)
	ADD R7, R6, R6
	VST1 [V4.S4, V5.S4], (R6)
	ADD R7, R6, R6
	VST1 [V6.S4, V7.S4], (R6)
	ADD R7, R6, R6
	VST1 [V8.S4, V9.S4], (R6)
	ADD R7, R6, R6
	VST1 [V10.S4, V11.S4], (R6)
	ADD R7, R6, R6
	VST1 [V12.S4, V13.S4], (R6)
	ADD R7, R6, R6
	VST1 [V14.S4, V15.S4], (R6)
	RET
