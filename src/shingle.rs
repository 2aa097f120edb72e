//! Shingles: every run of `shingle_size` consecutive tokens, hashed with
//! seeded xxh3 (folded to 32 bits) into a sorted, de-duplicated set of
//! `u32`: half the memory of 64-bit hashes, and collisions inside one
//! document's few thousand shingles are rare enough (about n²/2³³) not to
//! move a Jaccard value.
//!
//! A text with fewer tokens than the shingle size (a dateline, a one-line
//! copyright notice) is one shingle of all its tokens, so short passages
//! still have a fingerprint.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A sorted, de-duplicated set of shingle hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShingleSet(Vec<u32>);

impl std::hash::Hash for ShingleSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.key());
    }
}

impl ShingleSet {
    /// Builds a set from arbitrary hashes (sorted and de-duplicated here:
    /// a radix sort, 2.5 times faster than `sort_unstable` on a document's
    /// thousand hashes, as fast on a paragraph's hundred).
    pub fn from_hashes(mut hashes: Vec<u32>) -> Self {
        radsort::sort(&mut hashes);
        hashes.dedup();
        ShingleSet(hashes)
    }

    /// Wraps hashes that are already sorted and distinct.
    pub fn from_sorted(hashes: Vec<u32>) -> Self {
        debug_assert!(hashes.windows(2).all(|w| w[0] < w[1]));
        ShingleSet(hashes)
    }

    /// A 64-bit key of the whole set. The elements are hashes already, so
    /// a multiply-xorshift fold of them (and the murmur3 finalizer) is
    /// enough: two different sets among millions share a key with odds
    /// of about n²/2⁶⁵.
    pub fn key(&self) -> u64 {
        form_key(&self.0)
    }

    /// The union of several sets.
    pub fn union_of<'a>(sets: impl IntoIterator<Item = &'a ShingleSet>) -> Self {
        let mut all = Vec::new();
        let mut runs = 0usize;
        for set in sets {
            all.extend_from_slice(&set.0);
            runs += 1;
        }
        // The stable sort finds the sorted runs and merges them, which is
        // linear for a few; a long document's thousands of paragraphs are
        // radix sorted instead (linear whatever the runs).
        if runs <= 16 {
            all.sort();
        } else {
            radsort::sort(&mut all);
        }
        all.dedup();
        ShingleSet(all)
    }

    /// The hashes, ascending.
    pub fn hashes(&self) -> &[u32] {
        &self.0
    }

    /// True when `hash` is in the set.
    pub fn contains(&self, hash: u32) -> bool {
        self.0.binary_search(&hash).is_ok()
    }

    /// How many of `sorted` (ascending) the set holds. One galloping pass:
    /// each search starts where the last one ended and doubles its step,
    /// so a few hashes looked up in a large set cost a few short searches,
    /// and many cost about a merge.
    pub fn count_held(&self, sorted: &[u32]) -> usize {
        let mut rest: &[u32] = &self.0;
        let mut held = 0;
        for &hash in sorted {
            let mut step = 1;
            while step < rest.len() && rest[step - 1] < hash {
                step *= 2;
            }
            let window = &rest[..step.min(rest.len())];
            let at = window.partition_point(|&h| h < hash);
            if rest.get(at) == Some(&hash) {
                held += 1;
                rest = &rest[at + 1..];
            } else {
                rest = &rest[at..];
            }
            if rest.is_empty() {
                break;
            }
        }
        held
    }

    /// Number of distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the text had no tokens.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Size of the intersection with `other` (a linear merge of two sorted
    /// lists).
    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        sorted_intersection_len(&self.0, &other.0)
    }
}

/// The one 64-bit key of a sequence of 32-bit hashes, order and repeats
/// included: of a shingle set (what `sign` prints, what the index stores
/// and the batch pipeline numbers paragraphs by), of a document's forms,
/// of a cluster's document set. The elements are hashes already, so a
/// multiply-xorshift fold and the murmur3 finalizer are enough; it is
/// folded in four interleaved lanes, so four multiplies are under way at
/// once instead of each waiting for the one before. The lanes start apart
/// and are folded into one at the end, so a sequence and any reordering
/// of it get different keys.
pub fn form_key(hashes: &[u32]) -> u64 {
    let len = hashes.len() as u64;
    let mut lanes = [
        len,
        len ^ 0x9e37_79b9_7f4a_7c15,
        len ^ 0xbf58_476d_1ce4_e5b9,
        len ^ 0x94d0_49bb_1331_11eb,
    ];
    let mut quads = hashes.chunks_exact(4);
    for quad in &mut quads {
        for (lane, &x) in lanes.iter_mut().zip(quad) {
            *lane = chain_step(*lane, u64::from(x));
        }
    }
    for (lane, &x) in lanes.iter_mut().zip(quads.remainder()) {
        *lane = chain_step(*lane, u64::from(x));
    }
    avalanche(lanes.into_iter().fold(0, chain_step))
}

/// One value folded into a multiply-xorshift chain (window hashes,
/// sequence and form keys): the values are hashes already, so one
/// multiply and shift per value mix enough.
#[inline(always)]
fn chain_step(h: u64, x: u64) -> u64 {
    let h = (h ^ x).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 32)
}

/// Folds a 64-bit hash to the 32 bits a shingle set keeps.
pub fn fold(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

/// Number of values two ascending, de-duplicated slices share (a linear
/// merge).
pub fn sorted_intersection_len<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Hashes token windows into shingles.
#[derive(Debug, Clone, Copy)]
pub struct Shingler {
    shingle_size: usize,
    seed: u64,
}

impl Shingler {
    /// A shingler for windows of `shingle_size` tokens (at least 1).
    pub fn new(shingle_size: usize, seed: u64) -> Self {
        Shingler {
            shingle_size: shingle_size.max(1),
            seed,
        }
    }

    /// The shingle set of a token sequence.
    pub fn shingles(&self, tokens: &[&str]) -> ShingleSet {
        let token_hashes: Vec<u64> = tokens
            .iter()
            .map(|t| xxh3_64_with_seed(t.as_bytes(), self.seed))
            .collect();
        self.shingles_of_hashes(&token_hashes)
    }

    /// The seed tokens are hashed with (`xxh3_64_with_seed`).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The shingle set of a sequence of token hashes (each the token's
    /// `xxh3_64_with_seed` under [`Shingler::seed`]).
    pub fn shingles_of_hashes(&self, token_hashes: &[u64]) -> ShingleSet {
        ShingleSet::from_hashes(self.window_hashes(token_hashes))
    }

    /// The hash of every shingle of a sequence of token hashes, in text
    /// order and with repeats: all a MinHash needs (a minimum ignores
    /// order and repeats), without the sort that makes them a set.
    pub fn window_hashes(&self, token_hashes: &[u64]) -> Vec<u32> {
        let mut out = Vec::new();
        self.append_window_hashes(token_hashes, &mut out);
        out
    }

    /// [`Shingler::window_hashes`], appended to `all`: one buffer can hold
    /// the shingles of many paragraphs.
    pub fn append_window_hashes(&self, token_hashes: &[u64], all: &mut Vec<u32>) {
        if token_hashes.is_empty() {
            return;
        }
        let window = self.shingle_size.min(token_hashes.len());
        let start = all.len();
        all.resize(start + token_hashes.len() + 1 - window, 0);
        let out = &mut all[start..];
        match window {
            // The default size, and the neighbours people pick, get a loop
            // with the window length fixed, which the compiler unrolls and
            // vectorizes across windows (eight at a time with AVX-512).
            3 => self.fixed_windows_fastest::<3>(token_hashes, out),
            4 => self.fixed_windows_fastest::<4>(token_hashes, out),
            5 => self.fixed_windows_fastest::<5>(token_hashes, out),
            _ => {
                for (slot, w) in out.iter_mut().zip(token_hashes.windows(window)) {
                    *slot = fold(self.window_hash(w));
                }
            }
        }
    }

    /// [`Shingler::fixed_windows`] with the widest vectors this CPU has.
    fn fixed_windows_fastest<const K: usize>(&self, token_hashes: &[u64], out: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: the CPU supports AVX-512F and DQ, checked just above.
            unsafe { self.fixed_windows_avx512::<K>(token_hashes, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { self.fixed_windows_avx2::<K>(token_hashes, out) };
            return;
        }
        self.fixed_windows::<K>(token_hashes, out);
    }

    /// [`Shingler::fixed_windows`] compiled for AVX-512 (DQ has the 64-bit
    /// multiply).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq")]
    unsafe fn fixed_windows_avx512<const K: usize>(&self, token_hashes: &[u64], out: &mut [u32]) {
        self.fixed_windows::<K>(token_hashes, out);
    }

    /// [`Shingler::fixed_windows`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fixed_windows_avx2<const K: usize>(&self, token_hashes: &[u64], out: &mut [u32]) {
        self.fixed_windows::<K>(token_hashes, out);
    }

    /// [`Shingler::window_hash`] of every window of `K` tokens, folded, into
    /// `out` (one slot per window). The windows being arrays of `K`, the
    /// inlined hash is unrolled and vectorized across windows.
    #[inline(always)]
    fn fixed_windows<const K: usize>(&self, token_hashes: &[u64], out: &mut [u32]) {
        for (i, slot) in out.iter_mut().enumerate() {
            let window: &[u64; K] = token_hashes[i..i + K].try_into().expect("K tokens");
            *slot = fold(self.window_hash(window));
        }
    }

    /// Combines the token hashes of one window. They are already uniform,
    /// so a multiply-xorshift chain and a final avalanche (the murmur3
    /// finalizer) suffice; order matters.
    #[inline(always)]
    fn window_hash(&self, token_hashes: &[u64]) -> u64 {
        let start = self.seed ^ (token_hashes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        avalanche(token_hashes.iter().fold(start, |h, &t| chain_step(h, t)))
    }
}

/// The murmur3 finalizer's last steps, ending the multiply-xorshift hashes
/// of windows, sequences and LSH bands.
#[inline(always)]
pub(crate) fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Exact Jaccard similarity as integer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlap {
    /// Shingles both sets hold.
    pub shared: u32,
    /// Shingles either set holds.
    pub union: u32,
    /// Shingles of the first set (a cluster's representative's): with the
    /// other two counts it gives the containment of each set in the other.
    pub first: u32,
}

impl Overlap {
    /// Counts the overlap of two shingle sets.
    pub fn between(a: &ShingleSet, b: &ShingleSet) -> Self {
        Self::of_sorted(a.hashes(), b.hashes())
    }

    /// Counts the overlap of two ascending, distinct hash lists.
    pub fn of_sorted(a: &[u32], b: &[u32]) -> Self {
        let shared = sorted_intersection_len(a, b);
        Overlap {
            shared: shared as u32,
            union: (a.len() + b.len() - shared) as u32,
            first: a.len() as u32,
        }
    }

    /// The overlap of a set with itself (or with an identical copy).
    pub fn identical(len: usize) -> Self {
        Overlap {
            shared: len as u32,
            union: len as u32,
            first: len as u32,
        }
    }

    /// Jaccard similarity in [0, 1]; 1 for two empty sets.
    pub fn jaccard(&self) -> f64 {
        if self.union == 0 {
            1.0
        } else {
            f64::from(self.shared) / f64::from(self.union)
        }
    }

    /// Shingles of the second set.
    pub fn second(&self) -> u32 {
        self.union + self.shared - self.first
    }

    /// Share of the second set's shingles that the first also holds (1
    /// for an empty set): how much of it is contained in the first.
    pub fn second_in_first(&self) -> f64 {
        share(self.shared, self.second())
    }

    /// Share of the first set's shingles that the second also holds.
    pub fn first_in_second(&self) -> f64 {
        share(self.shared, self.first)
    }
}

fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        1.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_held_agrees_with_looking_each_up() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as u32 % 5000
        };
        for sizes in [(0, 10), (10, 0), (3, 2000), (2000, 3), (500, 500), (40, 40)] {
            let set = ShingleSet::from_hashes((0..sizes.0).map(|_| next()).collect());
            let other = ShingleSet::from_hashes((0..sizes.1).map(|_| next()).collect());
            let looked_up = other.hashes().iter().filter(|&&h| set.contains(h)).count();
            assert_eq!(set.count_held(other.hashes()), looked_up, "{sizes:?}");
            assert_eq!(set.count_held(set.hashes()), set.len());
        }
    }

    #[test]
    fn form_keys_tell_apart_order_length_and_values() {
        let base: Vec<u32> = (0..23u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
        let mut variants = vec![base.clone(), base[..22].to_vec(), base[1..].to_vec()];
        for (i, j) in [(0, 1), (3, 7), (20, 22), (4, 8)] {
            let mut swapped = base.clone();
            swapped.swap(i, j);
            variants.push(swapped);
        }
        let mut changed = base.clone();
        changed[21] ^= 1;
        variants.push(changed);
        variants.push(Vec::new());
        variants.push(vec![0]);
        variants.push(vec![0, 0]);
        let mut keys: Vec<u64> = variants.iter().map(|v| form_key(v)).collect();
        assert_eq!(
            form_key(&base),
            keys[0],
            "a key depends only on the sequence"
        );
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), variants.len());
    }

    #[test]
    fn fixed_size_windows_hash_as_the_general_loop_does() {
        let tokens: Vec<u64> = (0..40u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        for size in 1..=7 {
            let shingler = Shingler::new(size, 11);
            for len in 1..tokens.len() {
                let tokens = &tokens[..len];
                let window = size.min(len);
                let expected: Vec<u32> = tokens
                    .windows(window)
                    .map(|w| fold(shingler.window_hash(w)))
                    .collect();
                assert_eq!(shingler.window_hashes(tokens), expected, "{size} of {len}");
            }
        }
    }

    #[test]
    fn window_count_and_dedup() {
        let s = Shingler::new(2, 7);
        assert_eq!(s.shingles(&["a", "b", "c", "d"]).len(), 3);
        // "a b" occurs twice.
        assert_eq!(s.shingles(&["a", "b", "a", "b"]).len(), 2);
    }

    #[test]
    fn short_text_is_one_shingle() {
        let s = Shingler::new(5, 7);
        assert_eq!(s.shingles(&["only", "three", "tokens"]).len(), 1);
        assert!(s.shingles(&[]).is_empty());
    }

    #[test]
    fn order_matters_within_a_window() {
        let s = Shingler::new(2, 7);
        assert_ne!(s.shingles(&["a", "b"]), s.shingles(&["b", "a"]));
    }

    #[test]
    fn seed_changes_hashes() {
        assert_ne!(
            Shingler::new(2, 1).shingles(&["a", "b"]),
            Shingler::new(2, 2).shingles(&["a", "b"])
        );
    }

    #[test]
    fn exact_overlap_counts() {
        let s = Shingler::new(1, 0);
        let a = s.shingles(&["a", "b", "c", "d"]);
        let b = s.shingles(&["c", "d", "e"]);
        assert_eq!(
            Overlap::between(&a, &b),
            Overlap {
                shared: 2,
                union: 5,
                first: 4
            }
        );
        let overlap = Overlap::between(&a, &b);
        assert_eq!(overlap.second(), 3);
        assert!((overlap.first_in_second() - 0.5).abs() < 1e-12);
        assert!((overlap.second_in_first() - 2.0 / 3.0).abs() < 1e-12);
        assert!((Overlap::between(&a, &b).jaccard() - 0.4).abs() < 1e-12);
        assert_eq!(ShingleSet::union_of([&a, &b]).len(), 5);
    }
}
