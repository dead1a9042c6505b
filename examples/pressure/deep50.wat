;; A 50-deep operand stack (values pushed, then folded with sub).
(module
  (func (export "deep50") (param i32 i32) (result i32)
    (i32.add (local.get 0) (i32.const 1))
    (i32.mul (local.get 1) (i32.const 1))
    (i32.add (local.get 0) (i32.const 15))
    (i32.mul (local.get 1) (i32.const 3))
    (i32.add (local.get 0) (i32.const 29))
    (i32.mul (local.get 1) (i32.const 5))
    (i32.add (local.get 0) (i32.const 43))
    (i32.mul (local.get 1) (i32.const 7))
    (i32.add (local.get 0) (i32.const 57))
    (i32.mul (local.get 1) (i32.const 9))
    (i32.add (local.get 0) (i32.const 71))
    (i32.mul (local.get 1) (i32.const 11))
    (i32.add (local.get 0) (i32.const 85))
    (i32.mul (local.get 1) (i32.const 13))
    (i32.add (local.get 0) (i32.const 99))
    (i32.mul (local.get 1) (i32.const 15))
    (i32.add (local.get 0) (i32.const 113))
    (i32.mul (local.get 1) (i32.const 17))
    (i32.add (local.get 0) (i32.const 127))
    (i32.mul (local.get 1) (i32.const 19))
    (i32.add (local.get 0) (i32.const 141))
    (i32.mul (local.get 1) (i32.const 21))
    (i32.add (local.get 0) (i32.const 155))
    (i32.mul (local.get 1) (i32.const 23))
    (i32.add (local.get 0) (i32.const 169))
    (i32.mul (local.get 1) (i32.const 25))
    (i32.add (local.get 0) (i32.const 183))
    (i32.mul (local.get 1) (i32.const 27))
    (i32.add (local.get 0) (i32.const 197))
    (i32.mul (local.get 1) (i32.const 29))
    (i32.add (local.get 0) (i32.const 211))
    (i32.mul (local.get 1) (i32.const 31))
    (i32.add (local.get 0) (i32.const 225))
    (i32.mul (local.get 1) (i32.const 33))
    (i32.add (local.get 0) (i32.const 239))
    (i32.mul (local.get 1) (i32.const 35))
    (i32.add (local.get 0) (i32.const 253))
    (i32.mul (local.get 1) (i32.const 37))
    (i32.add (local.get 0) (i32.const 267))
    (i32.mul (local.get 1) (i32.const 39))
    (i32.add (local.get 0) (i32.const 281))
    (i32.mul (local.get 1) (i32.const 41))
    (i32.add (local.get 0) (i32.const 295))
    (i32.mul (local.get 1) (i32.const 43))
    (i32.add (local.get 0) (i32.const 309))
    (i32.mul (local.get 1) (i32.const 45))
    (i32.add (local.get 0) (i32.const 323))
    (i32.mul (local.get 1) (i32.const 47))
    (i32.add (local.get 0) (i32.const 337))
    (i32.mul (local.get 1) (i32.const 49))
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub
    i32.sub))
