;; CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) over linear memory, bitwise.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "123456789")
  (func $crc32 (export "crc32") (param $ptr i32) (param $len i32) (result i32)
    (local $crc i32) (local $k i32)
    (local.set $crc (i32.const -1))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $crc (i32.xor (local.get $crc) (i32.load8_u (local.get $ptr))))
        (local.set $k (i32.const 8))
        (loop $bits
          ;; crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
          (local.set $crc
            (i32.xor (i32.shr_u (local.get $crc) (i32.const 1))
                     (i32.and (i32.const 0xEDB88320) (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
          (br_if $bits (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $bytes)))
    (i32.xor (local.get $crc) (i32.const -1)))
  ;; The check value: crc32("123456789") = 0xCBF43926.
  (func (export "check") (result i32) (call $crc32 (i32.const 0) (i32.const 9))))
