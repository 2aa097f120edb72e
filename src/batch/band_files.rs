//! LSH buckets spilled to disk: one temporary file per band of band keys,
//! written as items are fingerprinted. Items are numbered in the order
//! they are pushed, so an item is its key's position in each file and only
//! the 8-byte key is written (a third less than key and item). Each
//! band is then read back, sorted and cut into buckets on its own, so
//! memory holds one band at a time per thread rather than every band of
//! every item. The pairs are the same as [`crate::lsh::candidate_pairs`]
//! gives for the same signatures and numbering.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::lsh::{LshParams, bucket_pairs};
use crate::minhash::Signature;

/// Bytes of one record: a 64-bit key (the item is its position).
const RECORD_BYTES: usize = 8;

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
        for (writer, key) in self.writers.iter_mut().zip(keys) {
            writer.write_all(&key.to_le_bytes())?;
        }
        self.records += 1;
        Ok((self.records - 1) as u32)
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
        let per_band = files
            .into_par_iter()
            .map(|file| band_pairs(file, records, renumber))
            .collect::<io::Result<Vec<_>>>()?;
        let mut pairs: Vec<(u32, u32)> = per_band.into_iter().flatten().collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        Ok(pairs)
    }
}

fn band_pairs(
    mut file: File,
    records: u64,
    renumber: &impl Fn(u32) -> Option<u32>,
) -> io::Result<Vec<(u32, u32)>> {
    file.seek(io::SeekFrom::Start(0))?;
    // Records are dealt into partitions by the top bits of their key as
    // they are read: equal keys meet in one partition, and each partition
    // is small enough for its bitmaps and its sort to stay in cache.
    let partition_bits = (records as usize / RECORDS_PER_PARTITION)
        .next_power_of_two()
        .trailing_zeros()
        .min(16);
    let partition_of = |key: u64| key.checked_shr(64 - partition_bits).unwrap_or(0) as usize;
    let per_partition = (records >> partition_bits) as usize;
    let mut partitions: Vec<Vec<(u64, u32)>> = (0..1usize << partition_bits)
        .map(|_| Vec::with_capacity(per_partition + per_partition / 8 + 16))
        .collect();
    let mut chunk = vec![0u8; RECORD_BYTES * RECORDS_PER_READ];
    let mut item = 0u32;
    let mut left = records as usize;
    while left > 0 {
        let take = left.min(RECORDS_PER_READ);
        let bytes = &mut chunk[..take * RECORD_BYTES];
        file.read_exact(bytes)?;
        for record in bytes.chunks_exact(RECORD_BYTES) {
            let key = u64::from_le_bytes(record.try_into().expect("8 bytes"));
            if let Some(item) = renumber(item) {
                partitions[partition_of(key)].push((key, item));
            }
            item += 1;
        }
        left -= take;
    }
    let mut pairs = Vec::new();
    for keyed in &mut partitions {
        keep_repeated_keys(keyed);
        keyed.sort_unstable();
        for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
            bucket_pairs(bucket, &mut pairs);
        }
        *keyed = Vec::new();
    }
    Ok(pairs)
}

/// Records per partition of a band, about: two bitmaps of eight bits per
/// record take 128 KB.
const RECORDS_PER_PARTITION: usize = 1 << 16;

/// Drops records whose key surely occurs once. Most do (a paragraph's
/// band matches no other's), and only buckets of two or more give pairs:
/// two bitmaps indexed by the key's bits, one of keys seen and one of keys
/// seen again, let the sort that follows handle the repeated keys and a
/// few others that share their bits (about one in nine) instead of every
/// record.
fn keep_repeated_keys(keyed: &mut Vec<(u64, u32)>) {
    // About eight bits per record: two bitmaps of a partition of 65,536
    // records take 128 KB, in cache.
    let bits = (keyed.len() * 8).next_power_of_two().max(64);
    let mask = (bits - 1) as u64;
    let mut seen = vec![0u64; bits / 64];
    let mut repeated = vec![0u64; bits / 64];
    for &(key, _) in keyed.iter() {
        let bit = key & mask;
        let (word, flag) = ((bit >> 6) as usize, 1u64 << (bit & 63));
        repeated[word] |= seen[word] & flag;
        seen[word] |= flag;
    }
    keyed.retain(|&(key, _)| {
        let bit = key & mask;
        repeated[(bit >> 6) as usize] & (1u64 << (bit & 63)) != 0
    });
}

/// Records read from a band file at a time.
const RECORDS_PER_READ: usize = 1 << 16;

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
    }

    #[test]
    fn bands_of_several_partitions_give_every_pair() {
        // 270,000 items, four partitions a band; items 3g, 3g+1 and 3g+2
        // share their first band's key when g is a multiple of 1000.
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
        // Keys 0..1000 once each, and key 7 and 123_456 twice more.
        let mut keyed: Vec<(u64, u32)> = (0..1000u64).map(|k| (k * 0x9e37_79b9, 0)).collect();
        let repeated = [7 * 0x9e37_79b9, 123_456];
        keyed.extend([(repeated[0], 1), (repeated[1], 2), (repeated[1], 3)]);
        let before = keyed.len();
        keep_repeated_keys(&mut keyed);
        for key in repeated {
            let kept = keyed.iter().filter(|&&(k, _)| k == key).count();
            assert!(kept >= 2, "all records of a repeated key stay");
        }
        assert!(keyed.len() < before / 4, "{} of {before} kept", keyed.len());
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
