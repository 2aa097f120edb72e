//! LSH buckets spilled to disk: one temporary file per band of band keys,
//! written as items are fingerprinted. Items are numbered in the order
//! they are pushed, so an item is its key's position in each file, and
//! only the key's low 40 bits are written: 5 bytes a record, under half
//! of key and item. Each band is then read back on its own, dealt out by
//! the keys' top bits into partitions, and each partition sifted of keys
//! that surely occur once, sorted and cut into buckets, so memory holds one
//! band's keys at a time per thread rather than every band of every item.
//! The pairs are those [`crate::lsh::candidate_pairs`] gives for the same
//! signatures and numbering, and a few pairs whose keys differ only above
//! the 40 bits (for two items, odds of 2⁻⁴⁰ a band: about 1% more
//! candidate pairs among ten million documents' 63 million paragraph
//! forms, 0.1% at a million, none to speak of among documents), verified
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

/// Records are written and read as whole keys, each over the next
/// record's bytes: a buffer of records has this much slack at its end.
const RECORD_SLACK: usize = size_of::<u64>() - RECORD_BYTES;

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
        // bytes.
        let mut records = vec![0u8; items.len() * RECORD_BYTES + RECORD_SLACK];
        for (band, writer) in self.writers.iter_mut().enumerate() {
            for (at, keys) in (0..).step_by(RECORD_BYTES).zip(items) {
                records[at..at + size_of::<u64>()].copy_from_slice(&keys[band].to_le_bytes());
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
    let length = records as usize * RECORD_BYTES;
    let mut bytes = vec![0u8; length + RECORD_SLACK];
    file.read_exact(&mut bytes[..length])?;
    let dealt = Partitions::deal_out(&bytes, renumber);
    drop(bytes);
    let (mut flags, mut kept, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
    for partition in dealt.iter() {
        records_whose_key_may_repeat(partition, &mut flags, &mut kept);
        kept.sort_unstable();
        for bucket in kept.chunk_by(|a, b| a.0 == b.0) {
            bucket_pairs(bucket, &mut pairs);
        }
    }
    Ok(pairs)
}

/// Key bits that choose a record's partition: the top 8 of its 40.
const PARTITION_BITS: u32 = 8;

/// Key bits a partitioned record keeps: the rest, 32.
const KEPT_KEY_BITS: u32 = (RECORD_BYTES * 8) as u32 - PARTITION_BITS;

// A partitioned record is the kept key bits over a 32-bit item, in a u64.
const _: () = assert!(KEPT_KEY_BITS == 32);

/// A band's records dealt out by the top bits of their keys, each one
/// `(rest of the key) << 32 | renumbered item`: records with one key
/// share a partition, so each partition is sifted and cut into buckets on
/// its own, in memory the core's own cache holds. Sifting a whole band at
/// once looked keys up at random in a bitmap of 128 MB at ten million
/// documents (16 MB at one): 1.9 s a band against 0.12 s, the run's
/// largest step past linear. A partition's bitmap is 1/256 of that.
struct Partitions {
    records: Vec<u64>,
    /// Where each partition starts in `records`, and the end.
    starts: Vec<usize>,
}

impl Partitions {
    /// Deals out the 5-byte keys of `bytes` (item `i` at record `i`,
    /// followed by [`RECORD_SLACK`] bytes) with `renumber`'s items,
    /// leaving out the items it leaves out. A pass counts each
    /// partition's records, a second puts them in place; each calls
    /// `renumber` (an array look-up) again rather than keep its answers,
    /// 4 bytes a record.
    fn deal_out(bytes: &[u8], renumber: &impl Fn(u32) -> Option<u32>) -> Self {
        const KEY_MASK: u64 = (1 << (RECORD_BYTES * 8)) - 1;
        let records = bytes.len().saturating_sub(RECORD_SLACK) / RECORD_BYTES;
        debug_assert_eq!(
            bytes.len(),
            records * RECORD_BYTES + RECORD_SLACK,
            "whole records and their slack"
        );
        let key_at = |i: usize| {
            let at = i * RECORD_BYTES;
            let word = bytes[at..at + size_of::<u64>()]
                .try_into()
                .expect("a key's bytes");
            u64::from_le_bytes(word) & KEY_MASK
        };
        let mut starts = vec![0usize; (1 << PARTITION_BITS) + 1];
        for i in 0..records {
            if renumber(i as u32).is_some() {
                starts[(key_at(i) >> KEPT_KEY_BITS) as usize + 1] += 1;
            }
        }
        for p in 1..starts.len() {
            starts[p] += starts[p - 1];
        }
        let mut next = starts.clone();
        let mut dealt = vec![0u64; starts[starts.len() - 1]];
        for i in 0..records {
            if let Some(item) = renumber(i as u32) {
                let key = key_at(i);
                let slot = &mut next[(key >> KEPT_KEY_BITS) as usize];
                dealt[*slot] = (key & u64::from(u32::MAX)) << 32 | u64::from(item);
                *slot += 1;
            }
        }
        Partitions {
            records: dealt,
            starts,
        }
    }

    fn iter(&self) -> impl Iterator<Item = &[u64]> {
        self.starts.windows(2).map(|w| &self.records[w[0]..w[1]])
    }
}

/// Bits per record of the two bitmaps that sift a partition's keys: a key
/// that occurs once is kept when another key shares its bit, about one
/// time in nine.
const BITS_PER_RECORD: usize = 8;

/// Leaves in `kept` the `(key, item)` records of `partition` (records made
/// by [`Partitions::deal_out`]) but those whose key surely occurs once.
/// Most do (a paragraph's band matches no other's), and only buckets of
/// two or more give pairs: two bitmaps indexed by the key's bits, one of
/// keys seen and one of keys seen again, leave the sort that follows the
/// repeated keys and a few others that share their bits, instead of every
/// record. The two bitmaps are interleaved, a bit of each side by side, in
/// `flags` (emptied first, like `kept`).
fn records_whose_key_may_repeat(
    partition: &[u64],
    flags: &mut Vec<u64>,
    kept: &mut Vec<(u64, u32)>,
) {
    let bits = (partition.len() * BITS_PER_RECORD)
        .next_power_of_two()
        .max(64);
    let mask = (bits - 1) as u64;
    flags.clear();
    flags.resize(bits / 32, 0);
    // Bit `b`'s seen flag is bit `2 (b % 32)` of word `b / 32`, its
    // seen-again flag the next bit up.
    let place = |record: u64| {
        let bit = (record >> 32) & mask;
        ((bit >> 5) as usize, (bit & 31) * 2)
    };
    for &record in partition {
        let (word, shift) = place(record);
        let flag = &mut flags[word];
        *flag |= (*flag >> shift & 1) << (shift + 1) | 1 << shift;
    }
    kept.clear();
    kept.extend(
        partition
            .iter()
            .filter(|&&record| {
                let (word, shift) = place(record);
                flags[word] >> (shift + 1) & 1 != 0
            })
            .map(|&record| (record >> 32, record as u32)),
    );
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
        let mut keys: Vec<u64> = (0..1000u64)
            .map(|k| (k * 0x9e37_79b9) & 0xffff_ffff)
            .collect();
        let repeated = [(7 * 0x9e37_79b9) & 0xffff_ffff, 123_456];
        keys.extend([repeated[0], repeated[1], repeated[1]]);
        let records: Vec<u64> = (0..).zip(&keys).map(|(i, &k)| k << 32 | i).collect();
        // What an earlier partition left must not count.
        let (mut flags, mut kept) = (vec![u64::MAX; 3], vec![(1, 2)]);
        records_whose_key_may_repeat(&records, &mut flags, &mut kept);
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
    fn records_are_dealt_out_by_their_keys_top_bits() {
        // Items 0..4 with keys in partitions 3, 0, 3 and 255; item 2 is
        // left out.
        let keys: [u64; 4] = [3 << 32 | 9, 5, 3 << 32 | 9, 255 << 32 | 1];
        let mut bytes: Vec<u8> = keys
            .iter()
            .flat_map(|k| k.to_le_bytes()[..RECORD_BYTES].to_vec())
            .collect();
        bytes.extend([0; RECORD_SLACK]);
        let dealt = Partitions::deal_out(&bytes, &|i| (i != 2).then_some(i + 10));
        let partitions: Vec<&[u64]> = dealt.iter().collect();
        assert_eq!(partitions.len(), 256);
        assert_eq!(partitions[0], [5 << 32 | 11]);
        assert_eq!(partitions[3], [9 << 32 | 10]);
        assert_eq!(partitions[255], [1 << 32 | 13]);
        assert_eq!(dealt.records.len(), 3);
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
