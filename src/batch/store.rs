//! Shingle sets spilled to an unnamed temporary file: appended once in
//! order, then read back either in that order (one buffered pass) or one
//! set at a time by its number (positioned reads, safe from many threads).
//!
//! The file is removed by the operating system when the store is dropped,
//! even if the process is killed. Reads go through the page cache, not
//! the process's memory, so the sets cost disk and cache, not resident
//! memory.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::shingle::ShingleSet;

/// Bytes per stored shingle.
const SHINGLE_BYTES: u64 = 4;

/// Sets appended to a temporary file, numbered from 0.
#[derive(Debug)]
pub struct ShingleStore {
    file: File,
    writer: Option<BufWriter<File>>,
    /// `offsets[n]..offsets[n + 1]`: where set `n` lies, in shingles.
    offsets: Vec<u64>,
    /// The first read error, reported once the stage is over.
    read_error: Mutex<Option<io::Error>>,
    scratch: Vec<u8>,
}

impl ShingleStore {
    /// An empty store in `dir` (the system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>) -> io::Result<Self> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let writer = BufWriter::with_capacity(1 << 20, file.try_clone()?);
        Ok(ShingleStore {
            file,
            writer: Some(writer),
            offsets: vec![0],
            read_error: Mutex::new(None),
            scratch: Vec::new(),
        })
    }

    /// Appends a set (its sorted hashes) and returns its number.
    pub fn push(&mut self, hashes: &[u32]) -> io::Result<u32> {
        let writer = self
            .writer
            .as_mut()
            .expect("sets are pushed before the store is sealed");
        self.scratch.clear();
        self.scratch
            .extend(hashes.iter().flat_map(|hash| hash.to_le_bytes()));
        writer.write_all(&self.scratch)?;
        let end = self.offsets[self.offsets.len() - 1] + hashes.len() as u64;
        self.offsets.push(end);
        Ok((self.offsets.len() - 2) as u32)
    }

    /// Number of sets stored.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when no set is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of shingles in set `n`.
    pub fn set_len(&self, n: u32) -> usize {
        (self.offsets[n as usize + 1] - self.offsets[n as usize]) as usize
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.offsets[self.offsets.len() - 1] * SHINGLE_BYTES
    }

    /// Ends writing; afterwards the store is read-only.
    pub fn seal(&mut self) -> io::Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush()?;
        }
        Ok(())
    }

    /// Set `n`, read from disk. A read error gives an empty set and is
    /// kept for [`ShingleStore::check`].
    pub fn get(&self, n: u32) -> ShingleSet {
        let mut hashes = Vec::new();
        self.append_run(n, n + 1, &mut hashes);
        ShingleSet::from_sorted(hashes)
    }

    /// Appends the shingles of sets `first..end` (numbers in a row, so one
    /// read) to `out`, set after set. A read error appends nothing and is
    /// kept for [`ShingleStore::check`].
    pub fn append_run(&self, first: u32, end: u32, out: &mut Vec<u32>) {
        let (start, stop) = (self.offsets[first as usize], self.offsets[end as usize]);
        let mut bytes = vec![0u8; ((stop - start) * SHINGLE_BYTES) as usize];
        match read_exact_at(&self.file, &mut bytes, start * SHINGLE_BYTES) {
            Ok(()) => decode_into(&bytes, out),
            Err(err) => {
                let mut first = self.read_error.lock().unwrap_or_else(|e| e.into_inner());
                first.get_or_insert(err);
            }
        }
    }

    /// The first read error met by [`ShingleStore::get`], if any.
    pub fn check(&self) -> io::Result<()> {
        let mut first = self.read_error.lock().unwrap_or_else(|e| e.into_inner());
        match first.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Reads the sets in order, from the first.
    pub fn in_order(&self) -> io::Result<InOrder<'_>> {
        let mut file = self.file.try_clone()?;
        io::Seek::seek(&mut file, io::SeekFrom::Start(0))?;
        Ok(InOrder {
            store: self,
            reader: BufReader::with_capacity(1 << 20, file),
            next: 0,
            buf: Vec::new(),
        })
    }
}

/// A buffered pass over a store's sets in order.
#[derive(Debug)]
pub struct InOrder<'s> {
    store: &'s ShingleStore,
    reader: BufReader<File>,
    next: u32,
    buf: Vec<u8>,
}

impl InOrder<'_> {
    /// The number of the set [`InOrder::next_set`] returns next.
    pub fn position(&self) -> u32 {
        self.next
    }

    /// The next set.
    pub fn next_set(&mut self) -> io::Result<ShingleSet> {
        let n = self.next as usize;
        let shingles = self.store.offsets[n + 1] - self.store.offsets[n];
        self.buf.resize((shingles * SHINGLE_BYTES) as usize, 0);
        self.reader.read_exact(&mut self.buf)?;
        self.next += 1;
        let mut hashes = Vec::with_capacity(shingles as usize);
        decode_into(&self.buf, &mut hashes);
        Ok(ShingleSet::from_sorted(hashes))
    }
}

/// Appends the shingles stored in `bytes` to `out`.
fn decode_into(bytes: &[u8], out: &mut Vec<u32>) {
    out.extend(
        bytes
            .chunks_exact(SHINGLE_BYTES as usize)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_come_back_by_number_and_in_order() {
        let mut store = ShingleStore::new_in(None).unwrap();
        let sets = [vec![1, 5, 9], vec![], vec![u32::MAX], vec![2, 3]];
        for (n, set) in sets.iter().enumerate() {
            assert_eq!(store.push(set).unwrap(), n as u32);
        }
        store.seal().unwrap();
        assert_eq!(store.len(), 4);
        assert_eq!(store.disk_bytes(), 24);
        assert_eq!(store.get(3).hashes(), [2, 3]);
        assert_eq!(store.get(0).hashes(), [1, 5, 9]);
        let mut run = vec![7];
        store.append_run(0, 3, &mut run);
        assert_eq!(run, [7, 1, 5, 9, u32::MAX]);
        let mut in_order = store.in_order().unwrap();
        for set in &sets {
            assert_eq!(in_order.next_set().unwrap().hashes(), &set[..]);
        }
        assert_eq!(in_order.position(), 4);
        store.check().unwrap();
    }
}
