@ Harness for the ARM conformance campaign (tests/conform/arm.ts).
@
@ The generated batch file provides `case_table`: a zero-terminated list of
@ init blocks (layout below). For each case the runner loads the initial
@ state and jumps to the case code, which ends at one of its endpoints; each
@ endpoint stores the registers into RESULT and branches to `case_done`.
@ A fault anywhere in the case code is recorded by `fault_handler`, which
@ resumes at `case_done` so one faulting case does not end the batch.
@ `case_done` appends RESULT (header) and SCRATCH to the results file that
@ the batch's `open_args` (SYS_OPEN arguments) names, via semihosting; the run ends with SYS_EXIT_EXTENDED 0.
@
@ Thread mode runs on PSP (the case's SP); handlers run on MSP (our own
@ stack), so a fault's exception frame only lands below the case's SP.

        .syntax unified
        .thumb

        @ Fixed RAM areas; the TS side reads them back with nm.
        .global RESULT, SCRATCH, SCRATCH_SIZE, HEADER_SIZE
        .equ RESULT,       0x20000000   @ HEADER_SIZE bytes, see offsets below
        .equ HEADER_SIZE,  160
        .equ SCRATCH,      0x20001000   @ the memory cases may touch
        .equ SCRATCH_SIZE, 256
        .equ MSP_TOP,      0x20010000

        @ SYS_WRITE `size` bytes at `addr` to the results file (its handle already in write_args).
        .macro write_block addr, size
        ldr r1, =write_args
        ldr r2, =\addr
        str r2, [r1, #4]
        ldr r2, =\size
        str r2, [r1, #8]
        movs r0, #5
        bkpt 0xab
        cmp r0, #0
        bne write_failed
        .endm

        @ Init block (flash): r0-r12 at 0, sp 52, lr 56, apsr 60, code 64
        @ (address|1), scratch contents at 72.
        .equ I_SP, 52
        .equ I_LR, 56
        .equ I_APSR, 60
        .equ I_CODE, 64
        .equ I_SCRATCH, 72

        @ RESULT header: 0..55 endpoint STM area (r0-r12 minus the case's
        @ save register, then lr), 56 sp, 60 apsr, 64 endpoint id
        @ (0xffffffff: none), 68 exception number (0: no fault), 72 fault pc,
        @ 76 CFSR, 80 HFSR, 84 stacked xPSR, 88 sp at fault, 96..147 r0-r12
        @ at fault, 148 lr at fault.
        .equ R_ENDPOINT, 64
        .equ R_EXC, 68

        .section .vectors, "a"
        .align 2
        .word MSP_TOP
        .word reset_handler
        .word fault_handler     @ NMI
        .word fault_handler     @ HardFault
        .word fault_handler     @ MemManage
        .word fault_handler     @ BusFault
        .word fault_handler     @ UsageFault
        .rept 9
        .word fault_handler
        .endr

        .text
        .thumb_func
        .global reset_handler
reset_handler:
        @ Enable MemManage, BusFault and UsageFault so they are reported as themselves.
        ldr r0, =0xE000ED24
        ldr r1, [r0]
        orr r1, r1, #(7 << 16)
        str r1, [r0]
        @ CCR: keep the reset value (DIV_0_TRP=0, UNALIGN_TRP=0), STKALIGN as reset.
        ldr r0, =MSP_TOP - 0x1000
        msr psp, r0
        movs r0, #2
        msr control, r0
        isb
        @ Open the results file (SYS_OPEN, mode "wb").
        movs r0, #1
        ldr r1, =open_args
        bkpt 0xab
        adds r1, r0, #1
        bne 1f
        movs r0, #2
        b exit_with
1:      ldr r1, =handle
        str r0, [r1]
        ldr r0, =case_table
        ldr r1, =cur_ptr
        str r0, [r1]

next_case:
        ldr r0, =cur_ptr
        ldr r1, [r0]
        ldr r2, [r1], #4
        str r1, [r0]
        cmp r2, #0
        beq all_done
        @ Clear the RESULT header.
        ldr r3, =RESULT
        movs r4, #0
        movs r5, #(HEADER_SIZE / 4)
2:      str r4, [r3], #4
        subs r5, r5, #1
        bne 2b
        ldr r3, =RESULT
        mvn r4, #0
        str r4, [r3, #R_ENDPOINT]
        @ Copy the scratch contents.
        add r4, r2, #I_SCRATCH
        ldr r3, =SCRATCH
        movs r5, #(SCRATCH_SIZE / 4)
3:      ldr r6, [r4], #4
        str r6, [r3], #4
        subs r5, r5, #1
        bne 3b
        @ Initial state: flags, SP (PSP), LR; the case code loads r0-r12.
        ldr r0, [r2, #I_APSR]
        msr APSR_nzcvq, r0
        ldr r0, [r2, #I_SP]
        mov sp, r0
        ldr lr, [r2, #I_LR]
        ldr r0, [r2, #I_CODE]
        bx r0

        .thumb_func
        .global case_done
case_done:
        @ SYS_WRITE header then scratch.
        ldr r0, =handle
        ldr r0, [r0]
        ldr r1, =write_args
        str r0, [r1]
        write_block RESULT, HEADER_SIZE
        write_block SCRATCH, SCRATCH_SIZE
        b next_case

write_failed:
        movs r0, #4
        b exit_with

all_done:
        ldr r1, =handle
        movs r0, #2             @ SYS_CLOSE
        bkpt 0xab
        movs r0, #0
exit_with:
        ldr r1, =exit_args
        str r0, [r1, #4]
        ldr r0, =0x20026        @ ADP_Stopped_ApplicationExit
        str r0, [r1]
        movs r0, #0x20          @ SYS_EXIT_EXTENDED
        bkpt 0xab
        b .

        .thumb_func
        .global fault_handler
fault_handler:
        @ A fault outside thread mode on PSP is a harness bug: exit 3.
        tst lr, #4
        bne 1f
        movs r0, #3
        b exit_with_h
1:      mrs r0, psp
        ldr r1, =RESULT
        mrs r2, ipsr
        str r2, [r1, #R_EXC]
        ldr r2, [r0, #24]
        str r2, [r1, #72]
        ldr r3, =0xE000ED28     @ CFSR (write-one-to-clear)
        ldr r2, [r3]
        str r2, [r1, #76]
        str r2, [r3]
        ldr r3, =0xE000ED2C     @ HFSR
        ldr r2, [r3]
        str r2, [r1, #80]
        str r2, [r3]
        ldr r2, [r0, #28]
        str r2, [r1, #84]
        @ SP before stacking: frame is 32 bytes, plus 4 if xPSR bit 9 (realigned).
        add r3, r0, #32
        tst r2, #(1 << 9)
        it ne
        addne r3, r3, #4
        str r3, [r1, #88]
        @ Registers at the fault: r0-r3, r12, lr from the frame, r4-r11 live.
        ldr r2, [r0, #0]
        str r2, [r1, #96]
        ldr r2, [r0, #4]
        str r2, [r1, #100]
        ldr r2, [r0, #8]
        str r2, [r1, #104]
        ldr r2, [r0, #12]
        str r2, [r1, #108]
        add r2, r1, #112
        stm r2, {r4-r11}
        ldr r2, [r0, #16]
        str r2, [r1, #144]
        ldr r2, [r0, #20]
        str r2, [r1, #148]
        @ Resume thread mode at case_done with a clean xPSR (Thumb, no IT).
        ldr r2, =case_done
        str r2, [r0, #24]
        mov r2, #0x01000000
        str r2, [r0, #28]
        bx lr
exit_with_h:
        ldr r1, =exit_args
        str r0, [r1, #4]
        ldr r0, =0x20026
        str r0, [r1]
        movs r0, #0x20
        bkpt 0xab
        b .

        .ltorg

        .bss
        .align 2
handle:     .space 4
cur_ptr:    .space 4
write_args: .space 12
exit_args:  .space 8
