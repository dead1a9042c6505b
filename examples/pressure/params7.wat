;; Seven and nine params: the tail arrives on the stack; a caller passes them too.
(module
  (func $seven (export "seven") (param i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.sub (i32.sub (i32.sub (local.get 0) (local.get 1)) (i32.sub (local.get 2) (local.get 3)))
             (i32.sub (i32.sub (local.get 4) (local.get 5)) (local.get 6))))
  (func $nine (export "nine") (param i32 i64 i32 i32 i64 i32 i32 i64 i32) (result i64)
    (i64.add (i64.sub (local.get 1) (local.get 4))
      (i64.add (i64.mul (local.get 7) (i64.extend_i32_u (local.get 8)))
        (i64.extend_i32_s (i32.sub (i32.sub (local.get 0) (local.get 2)) (i32.sub (local.get 3) (i32.sub (local.get 5) (local.get 6))))))))
  (func (export "caller") (param $a i32) (param $b i32) (result i64)
    (i64.add
      (i64.extend_i32_u (call $seven (local.get $a) (local.get $b) (i32.const 3) (i32.const 4) (local.get $b) (local.get $a) (i32.const 7)))
      (call $nine (local.get $a) (i64.const 0x123456789) (local.get $b) (i32.const 2) (i64.const -5) (i32.const 6) (local.get $a) (i64.const 0x10000) (local.get $b)))))
