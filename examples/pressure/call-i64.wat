;; Calls with i64 arguments and results, with values live across the calls.
(module
  (func $mulhi (param $a i64) (param $b i64) (result i64)
    (i64.add (i64.shr_u (i64.mul (local.get $a) (local.get $b)) (i64.const 32)) (local.get $a)))
  (func (export "chain") (param $x i64) (param $k i32) (result i64)
    (local $acc i64)
    (local.set $acc (call $mulhi (local.get $x) (i64.const 0x9e3779b97f4a7c15)))
    (local.set $acc (i64.xor (local.get $acc) (call $mulhi (local.get $acc) (i64.extend_i32_u (local.get $k)))))
    (i64.sub (local.get $acc) (i64.add (local.get $x) (call $mulhi (local.get $x) (local.get $acc))))))
