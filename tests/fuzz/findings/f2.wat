(module (func (export "f") (param i32) (result i64) (local i64)
  (local.get 1) (if (i32.const 1) (then) (else (local.set 1 (i64.const 3)))) ))
