//! LSH buckets spilled to disk: one temporary file per band of
//! `(band key, item)` records, written as items are fingerprinted. Each
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

/// Bytes of one record: a 64-bit key and a 32-bit item.
const RECORD_BYTES: usize = 12;

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

    /// Files `item` under each of its band keys (from [`Self::keys_of`]).
    pub fn push(&mut self, item: u32, keys: &[u64]) -> io::Result<()> {
        let mut record = [0u8; RECORD_BYTES];
        record[8..].copy_from_slice(&item.to_le_bytes());
        for (writer, key) in self.writers.iter_mut().zip(keys) {
            record[..8].copy_from_slice(&key.to_le_bytes());
            writer.write_all(&record)?;
        }
        self.records += 1;
        Ok(())
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
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(records as usize);
    let mut chunk = vec![0u8; RECORD_BYTES * RECORDS_PER_READ];
    let mut left = records as usize;
    while left > 0 {
        let take = left.min(RECORDS_PER_READ);
        let bytes = &mut chunk[..take * RECORD_BYTES];
        file.read_exact(bytes)?;
        for record in bytes.chunks_exact(RECORD_BYTES) {
            let key = u64::from_le_bytes(record[..8].try_into().expect("8 bytes"));
            let item = u32::from_le_bytes(record[8..].try_into().expect("4 bytes"));
            if let Some(item) = renumber(item) {
                keyed.push((key, item));
            }
        }
        left -= take;
    }
    keyed.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
        bucket_pairs(bucket, &mut pairs);
    }
    Ok(pairs)
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
            files.push(item as u32, &files.keys_of(signature)).unwrap();
        }
        assert_eq!(files.candidate_pairs(&Some).unwrap(), expected);
    }

    #[test]
    fn renumbering_leaves_items_out() {
        let hasher = MinHasher::new(128, 7);
        let signature = hasher.signature(&ShingleSet::from_hashes(vec![1, 2, 3]));
        let params = LshParams::for_threshold(0.8, 128);
        let mut files = BandFiles::new_in(None, params).unwrap();
        for item in 0..3 {
            files.push(item, &files.keys_of(&signature)).unwrap();
        }
        let odd_out = |item: u32| (item != 1).then_some(item / 2);
        assert_eq!(files.candidate_pairs(&odd_out).unwrap(), [(0, 1)]);
    }
}
