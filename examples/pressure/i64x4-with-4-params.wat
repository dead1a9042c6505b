;; Four i64 values live at once (8 registers) while four i32 params stay live.
(module
  (func (export "mix") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i64)
    (local $w i64) (local $x i64) (local $y i64) (local $z i64)
    (local.set $w (i64.mul (i64.extend_i32_u (local.get $a)) (i64.const 0x100000001)))
    (local.set $x (i64.shl (i64.extend_i32_s (local.get $b)) (i64.const 17)))
    (local.set $y (i64.sub (i64.extend_i32_u (local.get $c)) (local.get $w)))
    (local.set $z (i64.xor (i64.extend_i32_s (local.get $d)) (local.get $x)))
    (i64.add
      (i64.add (i64.mul (local.get $w) (local.get $x)) (i64.rotl (local.get $y) (local.get $z)))
      (i64.add (i64.extend_i32_u (i32.sub (local.get $a) (local.get $b)))
               (i64.extend_i32_u (i32.sub (local.get $c) (local.get $d)))))))
