//! LSH buckets spilled to disk: one temporary file per band of band keys,
//! written as items are fingerprinted. Items are numbered in the order
//! they are pushed, so an item is its key's position in each file, and
//! only the key's low 40 bits are written: 5 bytes a record, under half
//! of key and item. Each band is then read back on its own, sifted of keys that
//! surely occur once, sorted and cut into buckets, so memory holds one
//! band's keys at a time per thread rather than every band of every item.
//! The pairs are those [`crate::lsh::candidate_pairs`] gives for the same
//! signatures and numbering, and a few pairs whose keys differ only above
//! the 40 bits (for two items, odds of 2⁻⁴⁰ a band: about 1% more
//! candidate pairs among ten million documents' 63 million paragraph
//! forms, 0.2% at a million, none to speak of among documents), verified
//! like every other. Six bytes a record were 1.3 GB more to write and read
//! back at ten million documents.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;

use rayon::prelude::*;

use super::store::will_need;
use crate::lsh::{LshParams, bucket_pairs};
use crate::minhash::Signature;

/// Bytes of one record: a key's low 40 bits (the item is its position).
const RECORD_BYTES: usize = 5;

/// One temporary file per band.
#[derive(Debug)]
pub struct BandFiles {
    params: LshParams,
    writers: Vec<BufWriter<File>>,
    records: u64,
}

impl BandFiles {
    /// Empty band files in `dir` (the system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>, params: LshParams) -> io::Result<Self> {
        let writers = (0..params.bands)
            .map(|_| {
                let file = match dir {
                    Some(dir) => tempfile::tempfile_in(dir)?,
                    None => tempfile::tempfile()?,
                };
                Ok(BufWriter::with_capacity(256 << 10, file))
            })
            .collect::<io::Result<_>>()?;
        Ok(BandFiles {
            params,
            writers,
            records: 0,
        })
    }

    /// The band keys of a signature, in band order.
    pub fn keys_of(&self, signature: &Signature) -> Vec<u64> {
        self.params.band_keys(signature).collect()
    }

    /// The banding in use.
    pub fn params(&self) -> &LshParams {
        &self.params
    }

    /// Files the next item under each of its band keys (from
    /// [`Self::keys_of`]) and returns its number: items are numbered from 0
    /// in the order they are pushed.
    pub fn push(&mut self, keys: &[u64]) -> io::Result<u32> {
        self.push_all(&[keys])?;
        Ok((self.records - 1) as u32)
    }

    /// Files the next items as [`Self::push`] does, band by band: one
    /// stream of records written at a time, not one record to each band's
    /// buffer in turn.
    pub fn push_all(&mut self, items: &[&[u64]]) -> io::Result<()> {
        // Each record is written as a whole key, the next one over its top
        // bytes: a key's worth of slack at the end.
        const KEY_BYTES: usize = size_of::<u64>();
        let mut records = vec![0u8; items.len() * RECORD_BYTES + KEY_BYTES - RECORD_BYTES];
        for (band, writer) in self.writers.iter_mut().enumerate() {
            for (at, keys) in (0..).step_by(RECORD_BYTES).zip(items) {
                records[at..at + KEY_BYTES].copy_from_slice(&keys[band].to_le_bytes());
            }
            writer.write_all(&records[..items.len() * RECORD_BYTES])?;
        }
        self.records += items.len() as u64;
        Ok(())
    }

    /// Number of items filed.
    pub fn items(&self) -> usize {
        self.records as usize
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.records * (RECORD_BYTES * self.params.bands) as u64
    }

    /// Candidate pairs `(i, j)`, `i < j`, sorted and without repeats, after
    /// renumbering items with `renumber` (`None` leaves an item out). The
    /// bands are read in parallel, one per thread at a time.
    pub fn candidate_pairs(
        self,
        renumber: &(impl Fn(u32) -> Option<u32> + Sync),
    ) -> io::Result<Vec<(u32, u32)>> {
        let files = self
            .writers
            .into_iter()
            .map(|writer| writer.into_inner().map_err(|e| e.into_error()))
            .collect::<io::Result<Vec<File>>>()?;
        let records = self.records;
        // The bands are read a round at a time, a band per thread, while a
        // thread of its own asks the system to start reading the next
        // round's files: past the page cache (ten million documents' bands
        // are 8 GB), the disk is then busy while the cores sort.
        let round = rayon::current_num_threads().max(1);
        let bytes = records * RECORD_BYTES as u64;
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (at, this_round) in (0..).step_by(round).zip(files.chunks(round)) {
            let next_round = files.iter().skip(at + round).take(round);
            let per_band = std::thread::scope(|scope| {
                scope.spawn(|| next_round.for_each(|file| will_need(file, 0, bytes)));
                this_round
                    .par_iter()
                    .map(|file| band_pairs(file, records, renumber))
                    .collect::<io::Result<Vec<_>>>()
            })?;
            pairs.extend(per_band.into_iter().flatten());
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        Ok(pairs)
    }
}

fn band_pairs(
    mut file: &File,
    records: u64,
    renumber: &impl Fn(u32) -> Option<u32>,
) -> io::Result<Vec<(u32, u32)>> {
    file.seek(io::SeekFrom::Start(0))?;
    let keys = read_keys(&mut file, records as usize)?;
    let mut keyed = records_whose_key_may_repeat(&keys, renumber);
    drop(keys);
    keyed.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
        bucket_pairs(bucket, &mut pairs);
    }
    Ok(pairs)
}

/// A band file's `records` keys, with one read into the keys' own memory,
/// then widened in place from the last.
fn read_keys(file: &mut &File, records: usize) -> io::Result<Vec<u64>> {
    const KEY_BYTES: usize = size_of::<u64>();
    let mut keys = vec![0u64; records];
    // SAFETY: the bytes of a `u64` slice, which any bytes make valid keys;
    // `keys` is not touched while `bytes` is in use.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(keys.as_mut_ptr().cast::<u8>(), records * KEY_BYTES)
    };
    file.read_exact(&mut bytes[..records * RECORD_BYTES])?;
    // Key `i` moves from `6i` to `8i`: from the last key down, a key is
    // written only over bytes already moved (or its own, read first).
    for i in (0..records).rev() {
        let mut key = [0u8; KEY_BYTES];
        key[..RECORD_BYTES].copy_from_slice(&bytes[i * RECORD_BYTES..(i + 1) * RECORD_BYTES]);
        bytes[i * KEY_BYTES..(i + 1) * KEY_BYTES].copy_from_slice(&key);
    }
    for key in &mut keys {
        *key = u64::from_le(*key);
    }
    Ok(keys)
}

/// Bits per record of the two bitmaps that sift a band's keys: a key that
/// occurs once is kept when another key shares its bit, about one time in
/// nine.
const BITS_PER_RECORD: usize = 8;

/// The `(key, renumbered item)` records of `keys` (item `i` at `keys[i]`)
/// but those whose key surely occurs once. Most do (a paragraph's band
/// matches no other's), and only buckets of two or more give pairs: two
/// bitmaps indexed by the key's bits, one of keys seen and one of keys
/// seen again, leave the sort that follows the repeated keys and a few
/// others that share their bits, instead of every record. The two bitmaps
/// are interleaved, a bit of each side by side, so a key touches one cache
/// line, fetched a few keys ahead: at 8 bits per record they take 16 MB
/// for a million-document run's band, past the core's own caches, and are
/// backed by huge pages where the system allows ([`advise_huge_pages`]).
/// (Dealing the keys out to slices of the bitmaps small enough for the
/// caches was tried: the keys' own look-ups then went astray instead, and
/// it was slower at every size.)
fn records_whose_key_may_repeat(
    keys: &[u64],
    renumber: &impl Fn(u32) -> Option<u32>,
) -> Vec<(u64, u32)> {
    /// Keys whose bits are fetched ahead of their turn.
    const AHEAD: usize = 16;
    let bits = (keys.len() * BITS_PER_RECORD).next_power_of_two().max(64);
    let mask = (bits - 1) as u64;
    // Bit `b`'s seen flag is bit `2 (b % 32)` of word `b / 32`, its
    // seen-again flag the next bit up.
    let mut flags: Vec<u64> = Vec::with_capacity(bits / 32);
    advise_huge_pages(flags.spare_capacity_mut());
    flags.resize(bits / 32, 0);
    let place = |key: u64| {
        let bit = key & mask;
        ((bit >> 5) as usize, (bit & 31) * 2)
    };
    for (item, &key) in keys.iter().enumerate() {
        if let Some(&ahead) = keys.get(item + AHEAD) {
            prefetch(&flags[place(ahead).0]);
        }
        if renumber(item as u32).is_some() {
            let (word, shift) = place(key);
            let flag = &mut flags[word];
            *flag |= (*flag >> shift & 1) << (shift + 1) | 1 << shift;
        }
    }
    keys.iter()
        .enumerate()
        .filter(|&(item, &key)| {
            if let Some(&ahead) = keys.get(item + AHEAD) {
                prefetch(&flags[place(ahead).0]);
            }
            let (word, shift) = place(key);
            flags[word] >> (shift + 1) & 1 != 0
        })
        .filter_map(|(item, &key)| Some((key, renumber(item as u32)?)))
        .collect()
}

/// Asks the system to back `values` with huge pages before they are
/// first touched (Linux, where transparent huge pages may be asked for;
/// elsewhere nothing). Keys land anywhere in the sifting bitmaps, and
/// with 4 KiB pages a ten-million-document run's (128 MB) also misses the
/// processor's address cache at nearly every look-up: sifting 63 million
/// keys took 2.18 s with small pages, 1.87 s with huge ones. A hint: where
/// refused, the pages stay small.
fn advise_huge_pages<T>(values: &mut [std::mem::MaybeUninit<T>]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 << 20;
        let start = values.as_mut_ptr() as usize;
        let end = start + size_of_val(values);
        let (first, last) = (
            start.next_multiple_of(HUGE_PAGE),
            end / HUGE_PAGE * HUGE_PAGE,
        );
        if first < last {
            // SAFETY: advice on whole pages inside `values`, which this
            // function borrows mutably; it reads and writes none of them.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = values;
}

/// Asks for the cache line of `value` to be fetched, without waiting.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch only hints the cache; it reads nothing and cannot
    // fault, and `value` is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsh::candidate_pairs;
    use crate::minhash::MinHasher;
    use crate::shingle::ShingleSet;

    #[test]
    fn same_pairs_as_in_memory_lsh() {
        let hasher = MinHasher::new(128, 7);
        // Sets overlapping in a sliding window: many near pairs, some far.
        let signatures: Vec<Signature> = (0..300u32)
            .map(|i| hasher.signature(&ShingleSet::from_hashes((i..i + 40).collect())))
            .collect();
        let params = LshParams::for_threshold(0.8, 128);
        let refs: Vec<&Signature> = signatures.iter().collect();
        let expected = candidate_pairs(&refs, &params);
        assert!(!expected.is_empty());
        let mut files = BandFiles::new_in(None, params).unwrap();
        for (item, signature) in signatures.iter().enumerate() {
            assert_eq!(files.push(&files.keys_of(signature)).unwrap(), item as u32);
        }
        assert_eq!(files.candidate_pairs(&Some).unwrap(), expected);

        // The same items filed a few at a time and in a batch.
        let keys: Vec<Vec<u64>> = signatures
            .iter()
            .map(|s| params.band_keys(s).collect())
            .collect();
        let keys: Vec<&[u64]> = keys.iter().map(Vec::as_slice).collect();
        let mut files = BandFiles::new_in(None, params).unwrap();
        files.push(keys[0]).unwrap();
        files.push_all(&keys[1..3]).unwrap();
        files.push_all(&[]).unwrap();
        files.push_all(&keys[3..]).unwrap();
        assert_eq!(files.items(), signatures.len());
        assert_eq!(files.candidate_pairs(&Some).unwrap(), expected);
    }

    #[test]
    fn a_large_band_gives_every_pair() {
        // 270,000 items (bitmaps of 4 Mbit); items 3g, 3g+1 and 3g+2 share
        // their first band's key when g is a multiple of 1000.
        let params = LshParams { bands: 2, rows: 1 };
        let mixed = |x: u64| {
            let x = (x ^ (x >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            x ^ (x >> 29)
        };
        let mut files = BandFiles::new_in(None, params).unwrap();
        let mut expected = Vec::new();
        for item in 0..270_000u32 {
            let group = u64::from(item / 3);
            let first = if group % 1000 == 0 {
                if item % 3 > 0 {
                    let base = item - item % 3;
                    expected.extend((base..item).map(|other| (other, item)));
                }
                mixed(group)
            } else {
                mixed(u64::from(item) + (1 << 40))
            };
            files
                .push(&[first, mixed(u64::from(item) + (1 << 41))])
                .unwrap();
        }
        expected.sort_unstable();
        assert_eq!(expected.len(), 270);
        assert_eq!(files.candidate_pairs(&Some).unwrap(), expected);
    }

    #[test]
    fn only_records_whose_key_may_repeat_are_kept() {
        // Keys 0..1000 once each, and key 7's and 123_456 twice more.
        let mut keys: Vec<u64> = (0..1000u64).map(|k| k * 0x9e37_79b9).collect();
        let repeated = [7 * 0x9e37_79b9, 123_456];
        keys.extend([repeated[0], repeated[1], repeated[1]]);
        let kept = records_whose_key_may_repeat(&keys, &Some);
        for key in repeated {
            let items: Vec<u32> = kept.iter().filter(|r| r.0 == key).map(|r| r.1).collect();
            let expected: Vec<u32> = (0..keys.len() as u32)
                .filter(|&i| keys[i as usize] == key)
                .collect();
            assert_eq!(items, expected, "all records of a repeated key stay");
        }
        assert!(
            kept.len() < keys.len() / 4,
            "{} of {} kept",
            kept.len(),
            keys.len()
        );
    }

    #[test]
    fn renumbering_leaves_items_out() {
        let hasher = MinHasher::new(128, 7);
        let signature = hasher.signature(&ShingleSet::from_hashes(vec![1, 2, 3]));
        let params = LshParams::for_threshold(0.8, 128);
        let mut files = BandFiles::new_in(None, params).unwrap();
        for _ in 0..3 {
            files.push(&files.keys_of(&signature)).unwrap();
        }
        let odd_out = |item: u32| (item != 1).then_some(item / 2);
        assert_eq!(files.candidate_pairs(&odd_out).unwrap(), [(0, 1)]);
    }
}
