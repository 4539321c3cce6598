//! Fractional-index ranks: strings that sort as bytes, with a key between any two keys.
//!
//! The format is the one popularised by Figma and the `fractional-indexing` package: a variable
//! length integer part (head letter `a`–`z` / `A`–`Z` gives its length) followed by a base-62
//! fraction with no trailing zero. Appending at either end grows the integer part, so a column
//! with thousands of tasks appended one by one keeps keys a few bytes long.

use std::fmt;

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ZERO: u8 = b'0';
const LAST: u8 = b'z';
/// The smallest integer part, which has no predecessor.
const SMALLEST_INTEGER: &str = "A00000000000000000000000000";

/// A key that is not a valid rank, or a pair that is not in increasing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankError(String);

impl fmt::Display for RankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RankError {}

fn digit_value(byte: u8) -> Option<usize> {
    DIGITS.iter().position(|d| *d == byte)
}

fn integer_length(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some(usize::from(head - b'a') + 2),
        b'A'..=b'Z' => Some(usize::from(b'Z' - head) + 2),
        _ => None,
    }
}

fn integer_part(key: &[u8]) -> Result<&[u8], RankError> {
    let head = *key.first().ok_or_else(|| RankError("empty rank".into()))?;
    let len = integer_length(head)
        .ok_or_else(|| RankError(format!("rank head {:?} is not a letter", head as char)))?;
    key.get(..len).ok_or_else(|| {
        RankError(format!(
            "rank {:?} is shorter than its integer part",
            show(key)
        ))
    })
}

fn show(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// Checks that `key` is a well-formed rank.
pub fn validate(key: &str) -> Result<(), RankError> {
    let bytes = key.as_bytes();
    if key == SMALLEST_INTEGER {
        return Err(RankError("rank is the reserved smallest key".into()));
    }
    let int = integer_part(bytes)?;
    if let Some(bad) = bytes[1..].iter().find(|b| digit_value(**b).is_none()) {
        return Err(RankError(format!(
            "rank {key:?} has a non base-62 digit {:?}",
            *bad as char
        )));
    }
    if bytes.len() > int.len() && bytes.last() == Some(&ZERO) {
        return Err(RankError(format!("rank {key:?} has a trailing zero")));
    }
    Ok(())
}

/// A fraction strictly between fractions `a` and `b` (`b` = None means 1).
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Result<Vec<u8>, RankError> {
    if let Some(b) = b {
        if a >= b {
            return Err(RankError(format!(
                "{:?} is not below {:?}",
                show(a),
                show(b)
            )));
        }
        // Shared prefix (a padded with zeros): keep it and recurse on the rest.
        let mut n = 0;
        while n < b.len() && a.get(n).copied().unwrap_or(ZERO) == b[n] {
            n += 1;
        }
        if n > 0 {
            let rest_a = a.get(n..).unwrap_or(&[]);
            let mut out = b[..n].to_vec();
            out.extend(midpoint(rest_a, Some(&b[n..]))?);
            return Ok(out);
        }
    }
    let digit_a = a.first().map_or(Some(0), |d| digit_value(*d));
    let digit_b = b.map_or(Some(DIGITS.len()), |b| {
        b.first().and_then(|d| digit_value(*d))
    });
    let (Some(digit_a), Some(digit_b)) = (digit_a, digit_b) else {
        return Err(RankError("rank fraction has a non base-62 digit".into()));
    };
    if digit_b > digit_a + 1 {
        let mid = (digit_a + digit_b).div_ceil(2);
        return Ok(vec![DIGITS[mid]]);
    }
    match b {
        Some(b) if b.len() > 1 => Ok(vec![b[0]]),
        _ => {
            let mut out = vec![DIGITS[digit_a]];
            out.extend(midpoint(a.get(1..).unwrap_or(&[]), None)?);
            Ok(out)
        }
    }
}

fn increment_integer(int: &[u8]) -> Option<Vec<u8>> {
    let head = int[0];
    let mut digits = int[1..].to_vec();
    let mut carry = true;
    for slot in digits.iter_mut().rev() {
        let next = digit_value(*slot)? + 1;
        if next == DIGITS.len() {
            *slot = ZERO;
        } else {
            *slot = DIGITS[next];
            carry = false;
            break;
        }
    }
    if !carry {
        let mut out = vec![head];
        out.extend(digits);
        return Some(out);
    }
    match head {
        b'Z' => Some(vec![b'a', ZERO]),
        b'z' => None,
        _ => {
            let new_head = head + 1;
            if new_head > b'a' {
                digits.push(ZERO);
            } else {
                digits.pop();
            }
            let mut out = vec![new_head];
            out.extend(digits);
            Some(out)
        }
    }
}

fn decrement_integer(int: &[u8]) -> Option<Vec<u8>> {
    let head = int[0];
    let mut digits = int[1..].to_vec();
    let mut borrow = true;
    for slot in digits.iter_mut().rev() {
        let value = digit_value(*slot)?;
        if value == 0 {
            *slot = LAST;
        } else {
            *slot = DIGITS[value - 1];
            borrow = false;
            break;
        }
    }
    if !borrow {
        let mut out = vec![head];
        out.extend(digits);
        return Some(out);
    }
    match head {
        b'a' => Some(vec![b'Z', LAST]),
        b'A' => None,
        _ => {
            let new_head = head - 1;
            if new_head < b'Z' {
                digits.push(LAST);
            } else {
                digits.pop();
            }
            let mut out = vec![new_head];
            out.extend(digits);
            Some(out)
        }
    }
}

fn into_string(bytes: Vec<u8>) -> String {
    // Every byte comes from DIGITS or the ASCII head letters.
    bytes.into_iter().map(char::from).collect()
}

/// A rank strictly between `lower` and `upper` (None = unbounded on that side).
pub fn between(lower: Option<&str>, upper: Option<&str>) -> Result<String, RankError> {
    if let Some(a) = lower {
        validate(a)?;
    }
    if let Some(b) = upper {
        validate(b)?;
    }
    match (lower, upper) {
        (None, None) => Ok("a0".to_owned()),
        (None, Some(b)) => {
            let b = b.as_bytes();
            let int_b = integer_part(b)?;
            let frac_b = &b[int_b.len()..];
            if int_b == SMALLEST_INTEGER.as_bytes() {
                let mut out = int_b.to_vec();
                out.extend(midpoint(&[], Some(frac_b))?);
                return Ok(into_string(out));
            }
            if int_b.len() < b.len() {
                return Ok(into_string(int_b.to_vec()));
            }
            decrement_integer(int_b)
                .map(into_string)
                .ok_or_else(|| RankError("no rank below the smallest".into()))
        }
        (Some(a), None) => {
            let a = a.as_bytes();
            let int_a = integer_part(a)?;
            let frac_a = &a[int_a.len()..];
            match increment_integer(int_a) {
                Some(next) => Ok(into_string(next)),
                None => {
                    let mut out = int_a.to_vec();
                    out.extend(midpoint(frac_a, None)?);
                    Ok(into_string(out))
                }
            }
        }
        (Some(a), Some(b)) => {
            if a >= b {
                return Err(RankError(format!("{a:?} is not below {b:?}")));
            }
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let int_a = integer_part(a)?;
            let frac_a = &a[int_a.len()..];
            let int_b = integer_part(b)?;
            let frac_b = &b[int_b.len()..];
            if int_a == int_b {
                let mut out = int_a.to_vec();
                out.extend(midpoint(frac_a, Some(frac_b))?);
                return Ok(into_string(out));
            }
            let next = increment_integer(int_a)
                .ok_or_else(|| RankError("rank integer part overflowed".into()))?;
            if next.as_slice() < b {
                return Ok(into_string(next));
            }
            let mut out = int_a.to_vec();
            out.extend(midpoint(frac_a, None)?);
            Ok(into_string(out))
        }
    }
}

/// `count` increasing ranks, all strictly between `lower` and `upper`.
pub fn spread(
    lower: Option<&str>,
    upper: Option<&str>,
    count: usize,
) -> Result<Vec<String>, RankError> {
    let mut out: Vec<String> = Vec::with_capacity(count);
    for _ in 0..count {
        let previous = out.last().map(String::as_str).or(lower);
        out.push(between(previous, upper)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_keys() {
        assert_eq!(between(None, None).unwrap(), "a0");
        assert_eq!(between(Some("a0"), None).unwrap(), "a1");
        assert_eq!(between(None, Some("a0")).unwrap(), "Zz");
        assert_eq!(between(Some("a0"), Some("a1")).unwrap(), "a0V");
        assert_eq!(between(Some("a1"), Some("a2")).unwrap(), "a1V");
        assert_eq!(between(Some("az"), None).unwrap(), "b00");
        assert_eq!(between(Some("a0V"), Some("a1")).unwrap(), "a0l");
        assert_eq!(between(Some("Zz"), Some("a0")).unwrap(), "ZzV");
    }

    #[test]
    fn appending_ten_thousand_keeps_keys_short() {
        let mut last: Option<String> = None;
        for _ in 0..10_000 {
            let next = between(last.as_deref(), None).unwrap();
            if let Some(last) = &last {
                assert!(last < &next);
            }
            last = Some(next);
        }
        assert!(last.unwrap().len() <= 4);
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(between(Some("a0"), Some("a0")).is_err());
        assert!(between(Some("a1"), Some("a0")).is_err());
        assert!(validate("").is_err());
        assert!(validate("a").is_err());
        assert!(validate("a00").is_err());
        assert!(validate("!x").is_err());
        assert!(validate("a0\u{e9}").is_err());
    }

    proptest! {
        #[test]
        fn random_insertions_stay_ordered(positions in proptest::collection::vec(0usize..1000, 1..200)) {
            let mut keys: Vec<String> = Vec::new();
            for p in positions {
                let index = p % (keys.len() + 1);
                let lower = index.checked_sub(1).map(|i| keys[i].as_str());
                let upper = keys.get(index).map(String::as_str);
                let key = between(lower, upper).unwrap();
                prop_assert!(validate(&key).is_ok());
                if let Some(l) = lower { prop_assert!(l < key.as_str()); }
                if let Some(u) = upper { prop_assert!(key.as_str() < u); }
                keys.insert(index, key);
            }
        }
    }
}
