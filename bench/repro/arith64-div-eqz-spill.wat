(module
  (type (;0;) (func))
  (type (;1;) (func (result i32)))
  (func $__wasm_call_ctors (type 0))
  (func $bench_arith64 (type 1) (result i32)
    (local i64 i64 i64 i64 i64 i64)
    i64.const 81985529216486895
    local.set 0
    i64.const 0
    local.set 1
    i64.const 0
    local.set 2
    loop  ;; label = @1
      block  ;; label = @2
        local.get 0
        i64.const 13
        i64.shl
        local.get 0
        i64.xor
        local.tee 3
        i64.const 7
        i64.shr_u
        local.get 3
        i64.xor
        local.tee 3
        i64.const 17
        i64.shl
        local.get 3
        i64.xor
        local.tee 3
        i64.const 13
        i64.shl
        local.get 3
        i64.xor
        local.tee 0
        i64.const 7
        i64.shr_u
        local.get 0
        i64.xor
        local.tee 0
        i64.const 17
        i64.shl
        local.get 0
        i64.xor
        local.tee 0
        local.get 1
        i64.shr_u
        local.tee 4
        i64.eqz
        br_if 0 (;@2;)
        local.get 3
        local.get 4
        i64.div_u
        local.tee 5
        local.get 2
        i64.add
        local.get 3
        local.get 5
        local.get 4
        i64.mul
        i64.sub
        i64.add
        local.set 2
      end
      local.get 1
      i64.const 1
      i64.add
      local.tee 1
      i64.const 12
      i64.ne
      br_if 0 (;@1;)
    end
    local.get 2
    i64.const 32
    i64.shr_u
    local.get 2
    i64.xor
    i32.wrap_i64)
  (memory (;0;) 2)
  (global $__stack_pointer (mut i32) (i32.const 66560))
  (global (;1;) i32 (i32.const 1024))
  (global (;2;) i32 (i32.const 1024))
  (global (;3;) i32 (i32.const 1024))
  (global (;4;) i32 (i32.const 66560))
  (global (;5;) i32 (i32.const 0))
  (global (;6;) i32 (i32.const 1))
  (export "memory" (memory 0))
  (export "__wasm_call_ctors" (func $__wasm_call_ctors))
  (export "bench_arith64" (func $bench_arith64))
  (export "__dso_handle" (global 1))
  (export "__data_end" (global 2))
  (export "__global_base" (global 3))
  (export "__heap_base" (global 4))
  (export "__memory_base" (global 5))
  (export "__table_base" (global 6)))
