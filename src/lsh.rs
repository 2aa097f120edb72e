//! Locality-sensitive hashing over MinHash signatures: `bands` bands of
//! `rows` slots each; two items become a candidate pair when all rows of
//! at least one band agree.
//!
//! The chance that a pair of Jaccard similarity `s` becomes a candidate is
//! `1 - (1 - s^rows)^bands`. [`LshParams::for_threshold`] takes the largest
//! `rows` (the fewest false candidates) whose chance at the threshold is
//! still at least [`TARGET_RECALL`]: every candidate is verified exactly
//! afterwards, so a spare candidate costs a little time while a missed one
//! costs recall.

use rayon::prelude::*;

use crate::minhash::Signature;
use crate::shingle::avalanche;

/// Candidate probability that the automatic band choice guarantees at the
/// similarity threshold.
pub const TARGET_RECALL: f64 = 0.995;

/// Buckets larger than this yield a star and a chain of pairs rather than
/// every pair, so one very common passage cannot make the work quadratic.
const ALL_PAIRS_BUCKET_LIMIT: usize = 64;

/// Band layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LshParams {
    /// Number of bands.
    pub bands: usize,
    /// Signature slots per band.
    pub rows: usize,
}

impl LshParams {
    /// The layout for a similarity threshold and signature length: the
    /// largest `rows` with `bands = num_perm / rows` whose candidate
    /// probability at `threshold` is at least [`TARGET_RECALL`].
    pub fn for_threshold(threshold: f64, num_perm: usize) -> Self {
        (1..=num_perm)
            .rev()
            .map(|rows| LshParams {
                bands: num_perm / rows,
                rows,
            })
            .find(|p| p.candidate_probability(threshold) >= TARGET_RECALL)
            .unwrap_or(LshParams {
                bands: num_perm,
                rows: 1,
            })
    }

    /// Probability that a pair of Jaccard similarity `similarity` shares at
    /// least one band.
    pub fn candidate_probability(&self, similarity: f64) -> f64 {
        1.0 - (1.0 - similarity.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// Signature slots the bands use.
    pub fn slots_used(&self) -> usize {
        self.bands * self.rows
    }

    /// The bucket key of every band of a signature.
    pub fn band_keys<'s>(&self, signature: &'s Signature) -> impl Iterator<Item = u64> + 's {
        self.band_keys_of_slots(signature.slots())
    }

    /// [`LshParams::band_keys`] of a signature's slots.
    pub fn band_keys_of_slots<'s>(&self, slots: &'s [u32]) -> impl Iterator<Item = u64> + 's {
        let rows = self.rows;
        (0..self.bands).map(move |band| band_key(band, &slots[band * rows..(band + 1) * rows]))
    }

    /// Appends [`LshParams::band_keys_of_slots`] to `out`, eight bands at
    /// a time in vector lanes where the CPU has AVX-512 (one band's key is
    /// a chain of dependent multiplies; eight bands' chains side by side
    /// are one chain of vector multiplies). Same keys either way.
    pub fn append_band_keys(&self, slots: &[u32], out: &mut Vec<u64>) {
        assert!(
            slots.len() >= self.slots_used(),
            "a slot for every row of every band"
        );
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: the CPU supports AVX-512F and DQ, checked just above.
            unsafe { self.append_band_keys_avx512(slots, out) };
            return;
        }
        self.append_band_keys_in_lanes(slots, out);
    }

    /// [`LshParams::append_band_keys_in_lanes`] compiled for AVX-512,
    /// whose `vpmullq` multiplies eight 64-bit lanes.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq")]
    unsafe fn append_band_keys_avx512(&self, slots: &[u32], out: &mut Vec<u64>) {
        self.append_band_keys_in_lanes(slots, out);
    }

    #[inline(always)]
    fn append_band_keys_in_lanes(&self, slots: &[u32], out: &mut Vec<u64>) {
        const LANES: usize = 8;
        let rows = self.rows;
        let whole = self.bands - self.bands % LANES;
        for first in (0..whole).step_by(LANES) {
            let block = &slots[first * rows..(first + LANES) * rows];
            let mut keys: [u64; LANES] = std::array::from_fn(|lane| band_seed(first + lane));
            for row in 0..rows {
                let column: [u64; LANES] =
                    std::array::from_fn(|lane| u64::from(block[lane * rows + row]));
                for (key, slot) in keys.iter_mut().zip(column) {
                    *key = band_step(*key, slot);
                }
            }
            out.extend(keys.map(avalanche));
        }
        out.extend(
            (whole..self.bands).map(|band| band_key(band, &slots[band * rows..(band + 1) * rows])),
        );
    }
}

/// The bucket key of one band: its slots mixed with the band number
/// (multiply-xorshift, then the murmur3 finalizer), so equal slots in
/// different bands never share a bucket key.
fn band_key(band: usize, slots: &[u32]) -> u64 {
    let h = slots
        .iter()
        .fold(band_seed(band), |h, &slot| band_step(h, u64::from(slot)));
    avalanche(h)
}

/// Where band `band`'s key starts.
#[inline(always)]
fn band_seed(band: usize) -> u64 {
    (band as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// One slot folded into a band key.
#[inline(always)]
fn band_step(h: u64, slot: u64) -> u64 {
    let h = (h ^ slot).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 29)
}

/// Candidate pairs `(i, j)` with `i < j` among `signatures`, sorted and
/// without repeats. Bands are processed in parallel and independently;
/// the result does not depend on the thread count.
pub fn candidate_pairs(signatures: &[&Signature], params: &LshParams) -> Vec<(u32, u32)> {
    let per_band: Vec<Vec<(u32, u32)>> = (0..params.bands)
        .into_par_iter()
        .map(|band| {
            let rows = params.rows;
            let mut keyed: Vec<(u64, u32)> = signatures
                .iter()
                .enumerate()
                .map(|(item, sig)| {
                    (
                        band_key(band, &sig.slots()[band * rows..(band + 1) * rows]),
                        item as u32,
                    )
                })
                .collect();
            keyed.sort_unstable();
            let mut pairs = Vec::new();
            for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
                bucket_pairs(bucket, &mut pairs);
            }
            pairs
        })
        .collect();
    let mut pairs: Vec<(u32, u32)> = per_band.into_iter().flatten().collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

pub(crate) fn bucket_pairs(bucket: &[(u64, u32)], pairs: &mut Vec<(u32, u32)>) {
    bucket_pairs_by(bucket, |&(_, item)| item, pairs);
}

/// The candidate pairs of one LSH bucket's items (ascending, distinct),
/// as clustering makes them: every pair in a bucket of up to
/// `ALL_PAIRS_BUCKET_LIMIT` (64) items; in a larger one (a passage in
/// thousands of documents), each item with the first and with the one
/// before it, which keeps the bucket connected in linear work.
pub fn pairs_in_bucket(items: &[u64]) -> Vec<(u64, u64)> {
    let mut pairs = Vec::new();
    bucket_pairs_by(items, |&item| item, &mut pairs);
    pairs
}

fn bucket_pairs_by<T, I: Copy + PartialEq>(
    bucket: &[T],
    item: impl Fn(&T) -> I,
    pairs: &mut Vec<(I, I)>,
) {
    if bucket.len() <= ALL_PAIRS_BUCKET_LIMIT {
        for (i, a) in bucket.iter().enumerate() {
            for b in &bucket[i + 1..] {
                pairs.push((item(a), item(b)));
            }
        }
    } else {
        let first = item(&bucket[0]);
        for window in bucket.windows(2) {
            pairs.push((first, item(&window[1])));
            if item(&window[0]) != first {
                pairs.push((item(&window[0]), item(&window[1])));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_keys_in_lanes_are_the_band_keys() {
        let slots: Vec<u32> = (0..128u32)
            .map(|i| i.wrapping_mul(0x9e37_79b9).rotate_left(i % 32))
            .collect();
        for (bands, rows) in [
            (21, 6),
            (42, 3),
            (16, 8),
            (8, 16),
            (1, 128),
            (128, 1),
            (9, 7),
        ] {
            let params = LshParams { bands, rows };
            let expected: Vec<u64> = params.band_keys_of_slots(&slots).collect();
            let mut keys = vec![7];
            params.append_band_keys(&slots, &mut keys);
            assert_eq!(keys[1..], expected, "{bands} x {rows}");
            keys.truncate(1);
            params.append_band_keys_in_lanes(&slots, &mut keys);
            assert_eq!(keys[1..], expected, "{bands} x {rows}, portable");
        }
    }

    #[test]
    fn band_choice_for_common_thresholds() {
        assert_eq!(
            LshParams::for_threshold(0.8, 128),
            LshParams { bands: 21, rows: 6 }
        );
        assert_eq!(
            LshParams::for_threshold(0.5, 128),
            LshParams { bands: 42, rows: 3 }
        );
        for threshold in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0] {
            let params = LshParams::for_threshold(threshold, 128);
            assert!(params.slots_used() <= 128);
            assert!(
                params.candidate_probability(threshold) >= TARGET_RECALL,
                "{threshold}: {params:?}"
            );
        }
    }

    #[test]
    fn candidate_probability_matches_formula() {
        let p = LshParams { bands: 20, rows: 5 };
        assert!(
            (p.candidate_probability(0.5) - (1.0 - (1.0 - 0.5f64.powi(5)).powi(20))).abs() < 1e-12
        );
        assert_eq!(p.candidate_probability(1.0), 1.0);
        assert_eq!(p.candidate_probability(0.0), 0.0);
    }

    #[test]
    fn equal_bands_make_candidates() {
        let params = LshParams { bands: 2, rows: 2 };
        let a = Signature(vec![1, 2, 3, 4]);
        let b = Signature(vec![1, 2, 9, 9]); // first band equal
        let c = Signature(vec![7, 7, 8, 8]); // nothing equal
        assert_eq!(candidate_pairs(&[&a, &b, &c], &params), [(0, 1)]);
    }

    #[test]
    fn huge_buckets_stay_linear() {
        let params = LshParams { bands: 1, rows: 1 };
        let sig = Signature(vec![5]);
        let sigs: Vec<&Signature> = (0..1000).map(|_| &sig).collect();
        let pairs = candidate_pairs(&sigs, &params);
        assert!(pairs.len() < 2000);
        assert!(pairs.contains(&(0, 999)));
    }
}
