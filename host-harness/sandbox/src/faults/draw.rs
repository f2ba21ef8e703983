//! Drawing random faults: a seeded generator (xorshift64*) per provider, so that the same seed
//! and the same requests give the same faults.

use super::{FaultKind, RandomFaults};

/// The random faults of one provider and where its generator stands.
#[derive(Clone, Debug)]
pub(crate) struct Draws {
    faults: RandomFaults,
    state: u64,
}

impl Draws {
    /// A generator for `faults` at the start of its sequence, or `None` when they can never
    /// fault (a probability of 0 or less, or no kinds).
    pub fn new(faults: RandomFaults) -> Option<Draws> {
        let never = faults.probability.is_nan() || faults.probability <= 0.0;
        if never || faults.kinds.is_empty() {
            return None;
        }
        // xorshift needs a state other than zero; the constant spreads small seeds.
        let state = match faults.seed ^ 0x6A09_E667_F3BC_C908 {
            0 => 0x6A09_E667_F3BC_C908,
            mixed => mixed,
        };
        Some(Draws { faults, state })
    }

    /// The fault of the next request, if it gets one: one draw decides whether it does, a
    /// second which of the kinds.
    pub fn draw(&mut self) -> Option<FaultKind> {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.faults.probability {
            return None;
        }
        let index = (self.next() % self.faults.kinds.len() as u64) as usize;
        Some(self.faults.kinds[index].clone())
    }

    /// The next 64 bits of xorshift64*.
    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
