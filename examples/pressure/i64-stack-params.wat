;; (i64, i32, i64): the second i64 no longer fits in r0-r3 and arrives on the stack.
(module
  (func $f (export "f") (param $a i64) (param $b i32) (param $c i64) (result i64)
    (i64.sub (i64.mul (local.get $a) (i64.extend_i32_s (local.get $b))) (local.get $c)))
  (func (export "g") (param $x i64) (result i64)
    (call $f (local.get $x) (i32.const -3) (i64.rotr (local.get $x) (i64.const 9)))))
