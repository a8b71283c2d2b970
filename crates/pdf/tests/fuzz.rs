//! A seeded mutation fuzzer over the real PDFs: byte flips, truncations,
//! splices and deleted runs. Every mutant must return (text or error)
//! without panicking and within the operation budget. The bounded run here
//! covers a few hundred mutants; `fuzz_long` (ignored) runs thousands:
//! `cargo test -p casesearch-pdf --release --test tests -- --ignored fuzz_long`.

use casesearch_pdf::{extract, ExtractOptions, PdfError};

use crate::corpus;

/// xorshift64*: deterministic, so a failure names its seed and replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if data.is_empty() {
            break;
        }
        match rng.below(5) {
            0 => {
                for _ in 0..1 + rng.below(16) {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
            }
            1 => data.truncate(rng.below(data.len())),
            2 => {
                let at = rng.below(data.len());
                let from = rng.below(other.len());
                let len = rng.below(4096).min(other.len() - from);
                data.splice(at..at, other[from..from + len].iter().copied());
            }
            3 => {
                let at = rng.below(data.len());
                let len = rng.below(2048).min(data.len() - at);
                data.drain(at..at + len);
            }
            _ => {
                // Digits are offsets, lengths and counts: the values a parser trusts.
                let i = rng.below(data.len());
                if let Some(pos) = data[i..].iter().position(u8::is_ascii_digit) {
                    data[i + pos] = b"0123456789"[rng.below(10)];
                }
            }
        }
    }
    data
}

fn run(seed: u64, mutants: usize) {
    let files: Vec<Vec<u8>> = corpus::pdfs()
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() < 400_000)
        .collect();
    assert!(!files.is_empty());
    let opts = ExtractOptions {
        max_ops: 2_000_000,
        ..ExtractOptions::default()
    };
    let mut rng = Rng(seed);
    let mut outcomes = [0usize; 2];
    for n in 0..mutants {
        let a = &files[rng.below(files.len())];
        let b = &files[rng.below(files.len())];
        let data = mutate(&mut rng, a, b);
        match extract(&data, &opts) {
            Ok(_) => outcomes[0] += 1,
            Err(PdfError::ParserPanic(msg)) => {
                eprintln!("seed {seed} mutant {n}: lopdf panicked ({msg}), reported as an error")
            }
            Err(_) => outcomes[1] += 1,
        }
    }
    // Most mutants of a real file still open: the fuzzer is reaching the
    // interpreter, not just the header check.
    assert!(
        outcomes[0] > mutants / 4,
        "only {} of {mutants} mutants opened",
        outcomes[0]
    );
}

#[test]
fn mutated_real_pdfs_never_panic_or_hang() {
    run(0x5eed_0001, 300);
}

#[test]
#[ignore = "long fuzz run; use --ignored"]
fn fuzz_long() {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0002);
    let n = std::env::var("FUZZ_MUTANTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    run(seed, n);
}

#[test]
fn arbitrary_short_byte_strings_are_errors_not_panics() {
    let mut rng = Rng(7);
    for len in 0..200 {
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len > 8 && len % 2 == 0 {
            data.splice(0..0, b"%PDF-1.4\n".iter().copied());
        }
        assert!(extract(&data, &ExtractOptions::default()).is_err());
    }
}
