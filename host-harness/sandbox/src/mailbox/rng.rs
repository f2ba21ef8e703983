//! A small deterministic random source (SplitMix64), so a seed always builds the same mailbox.

/// SplitMix64: fast, tiny, and good enough to pick test data.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A source that always yields the same sequence for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `len` bytes of noise: a random 256-byte block, repeated (file contents need to look
    /// binary, not to be unpredictable, and this is quick to make).
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let block: Vec<u8> = (0..32)
            .flat_map(|_| self.next_u64().to_le_bytes())
            .collect();
        let mut out = Vec::with_capacity(len + block.len());
        while out.len() < len {
            out.extend_from_slice(&block);
        }
        out.truncate(len);
        out
    }
}
