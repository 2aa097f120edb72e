//! What pass one spills to unnamed temporary files: the shingle hashes and
//! the MinHash signature (as slot codes) of every distinct paragraph form.
//! Each file is appended once in order, a batch of records with one
//! gathering write (`writev`, straight from where the records lie: no
//! copy into a buffer first), then read back either in that order (one
//! buffered pass) or a record at a time by its number (positioned reads,
//! safe from many threads).
//!
//! The files are removed by the operating system when a store is dropped,
//! even if the process is killed. Reads go through the page cache, not
//! the process's memory, so the records cost disk and cache, not resident
//! memory.

use std::fs::File;
use std::io::{self, BufReader, IoSlice, Read, Write};
use std::path::Path;

use crate::minhash::Signature;
use crate::shingle::ShingleSet;
use crate::text::Paragraph;

/// Bytes per stored value (a shingle, or two signature slot codes).
const VALUE_BYTES: u64 = 4;

/// Slices per gathering write at most (Linux's `IOV_MAX`).
const SLICES_PER_WRITE: usize = 1024;

/// A temporary file of `u32` values, written in order and then read.
#[derive(Debug)]
struct SpillFile {
    file: File,
    /// False once sealed: no more values are appended.
    writable: bool,
    /// Values written so far.
    values: u64,
    scratch: Vec<u8>,
}

impl SpillFile {
    fn new_in(dir: Option<&Path>) -> io::Result<Self> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        Ok(SpillFile {
            file,
            writable: true,
            values: 0,
            scratch: Vec::new(),
        })
    }

    /// Appends `runs` one after another.
    fn append_all(&mut self, runs: &[&[u32]]) -> io::Result<()> {
        assert!(
            self.writable,
            "records are appended before the store is sealed"
        );
        if cfg!(target_endian = "little") {
            for group in runs.chunks(SLICES_PER_WRITE) {
                let mut slices: Vec<IoSlice<'_>> = group
                    .iter()
                    .map(|run| {
                        // SAFETY: the bytes of a `u32` slice, in memory
                        // order, which on a little-endian machine is the
                        // file's order.
                        IoSlice::new(unsafe {
                            std::slice::from_raw_parts(run.as_ptr().cast::<u8>(), size_of_val(*run))
                        })
                    })
                    .collect();
                write_all_vectored(&self.file, &mut slices)?;
            }
        } else {
            self.scratch.clear();
            self.scratch.extend(
                runs.iter()
                    .flat_map(|run| run.iter().flat_map(|value| value.to_le_bytes())),
            );
            (&self.file).write_all(&self.scratch)?;
        }
        self.values += runs.iter().map(|run| run.len() as u64).sum::<u64>();
        Ok(())
    }

    fn seal(&mut self) {
        self.writable = false;
    }

    /// Appends values `start..stop` to `out` with one positioned read.
    fn read_at(&self, start: u64, stop: u64, out: &mut Vec<u32>) -> io::Result<()> {
        let read = |bytes: &mut [u8]| read_exact_at(&self.file, bytes, start * VALUE_BYTES);
        read_values(stop - start, out, read)
    }

    /// Tells the system that values `start..stop` will be read soon
    /// ([`will_need`]).
    fn will_need(&self, start: u64, stop: u64) {
        will_need(
            &self.file,
            start * VALUE_BYTES,
            (stop - start) * VALUE_BYTES,
        );
    }

    /// A buffered pass over the file from its start.
    fn in_order(&self) -> io::Result<BufReader<File>> {
        let mut file = self.file.try_clone()?;
        io::Seek::seek(&mut file, io::SeekFrom::Start(0))?;
        Ok(BufReader::with_capacity(1 << 20, file))
    }

    fn disk_bytes(&self) -> u64 {
        self.values * VALUE_BYTES
    }
}

/// Where each record of a store lies, in values (or bytes) from the
/// start of its file: record `n` is `range(n)`.
#[derive(Debug)]
struct Offsets(Vec<u64>);

impl Offsets {
    fn new() -> Self {
        Offsets(vec![0])
    }

    /// Records the next records, of `lengths`.
    fn extend(&mut self, lengths: impl Iterator<Item = usize>) {
        let mut end = self.end();
        self.0.extend(lengths.map(|len| {
            end += len as u64;
            end
        }));
    }

    fn len(&self) -> usize {
        self.0.len() - 1
    }

    fn end(&self) -> u64 {
        *self.0.last().expect("offsets start at 0")
    }

    fn range(&self, n: u32) -> (u64, u64) {
        (self.0[n as usize], self.0[n as usize + 1])
    }
}

/// Shingle sets, numbered from 0.
#[derive(Debug)]
pub struct ShingleStore {
    spill: SpillFile,
    /// Where each set lies, in shingles.
    offsets: Offsets,
}

impl ShingleStore {
    /// An empty store in `dir` (the system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>) -> io::Result<Self> {
        Ok(ShingleStore {
            spill: SpillFile::new_in(dir)?,
            offsets: Offsets::new(),
        })
    }

    /// Appends a set's hashes (in any order, repeats allowed: they are
    /// made a set when read) and returns its number.
    pub fn push(&mut self, hashes: &[u32]) -> io::Result<u32> {
        self.push_all(&[hashes])?;
        Ok((self.len() - 1) as u32)
    }

    /// Appends sets as [`ShingleStore::push`] does, in one write: they
    /// take the next numbers in turn.
    pub fn push_all(&mut self, sets: &[&[u32]]) -> io::Result<()> {
        self.spill.append_all(sets)?;
        self.offsets.extend(sets.iter().map(|set| set.len()));
        Ok(())
    }

    /// Number of sets stored.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// True when no set is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.spill.disk_bytes()
    }

    /// Ends writing; afterwards the store is read-only.
    pub fn seal(&mut self) {
        self.spill.seal();
    }

    /// How many hashes set `n` was pushed with (repeats included), known
    /// without reading it.
    pub fn pushed_len(&self, n: u32) -> usize {
        let (start, end) = self.offsets.range(n);
        (end - start) as usize
    }

    /// Tells the system that the sets `forms` (ascending) will be read
    /// soon, so that it starts reading them (`posix_fadvise`'s
    /// `WILLNEED` on Linux, a hint only): the sets of a run of numbers in
    /// one hint.
    pub fn will_need(&self, forms: &[u32]) {
        for (first, end) in runs(forms) {
            let (start, stop) = (self.offsets.range(first).0, self.offsets.range(end - 1).1);
            self.spill.will_need(start, stop);
        }
    }

    /// Set `n`, read from disk.
    pub fn get(&self, n: u32) -> io::Result<ShingleSet> {
        let mut hashes = Vec::new();
        self.append_run(n, n + 1, &mut hashes)?;
        Ok(ShingleSet::from_hashes(hashes))
    }

    /// Appends the hashes of sets `first..end` (numbers in a row, so one
    /// read) to `out` as they were pushed, set after set. On an error `out`
    /// may hold part of the run.
    pub fn append_run(&self, first: u32, end: u32, out: &mut Vec<u32>) -> io::Result<()> {
        let (start, stop) = (self.offsets.range(first).0, self.offsets.range(end - 1).1);
        self.spill.read_at(start, stop, out)
    }
}

/// MinHash signatures of one length, numbered from 0, each slot kept as
/// its 16-bit [`slot_code`]: half the disk of the slots themselves. The
/// code is monotone, so the slot-wise minimum of codes is the code of the
/// slot-wise minimum, and the signature of a union (pass two's document
/// signatures) is built from codes as from slots. Two slots share a code
/// only when they are within 1/2048 of each other: banded codes give the
/// candidates banded slots give and, rarely, a few more (candidates are
/// verified against the exact sets).
#[derive(Debug)]
pub struct SignatureStore {
    spill: SpillFile,
    slots: u64,
    len: u32,
}

/// A slot's 16-bit code: the slot itself below 4096, above that the
/// slot's 12 leading bits and how far they were shifted (like a float
/// with a 12-bit significand), at most 45,055. Monotone: `a <= b` gives
/// `code(a) <= code(b)`.
#[inline(always)]
pub fn slot_code(slot: u32) -> u16 {
    let shift = (u32::BITS - slot.leading_zeros()).saturating_sub(12);
    ((shift << 11) + (slot >> shift)) as u16
}

/// Values per signature of `slots` slots in packed form: two codes each.
pub fn packed_len(slots: usize) -> usize {
    slots.div_ceil(2)
}

/// Appends the codes of a signature's `slots` to `out`, two to a value
/// (low half first; an odd last code is paired with `u16::MAX`): what
/// [`SignatureStore::push`] takes.
pub fn pack_codes(slots: &[u32], out: &mut Vec<u32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512cd")
    {
        // SAFETY: the CPU supports AVX-512F and CD, checked just above.
        unsafe { pack_codes_avx512(slots, out) };
        return;
    }
    pack_codes_portable(slots, out);
}

/// [`pack_codes`] compiled for AVX-512, whose `vplzcntd` counts sixteen
/// slots' leading zeros at once (4% of a run's CPU, scalar).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512cd")]
unsafe fn pack_codes_avx512(slots: &[u32], out: &mut Vec<u32>) {
    pack_codes_portable(slots, out);
}

/// [`pack_codes`] for any CPU: codes a block of 32 slots at a time (a loop
/// the compiler vectorizes), then pairs them.
#[inline(always)]
fn pack_codes_portable(slots: &[u32], out: &mut Vec<u32>) {
    for block in slots.chunks(32) {
        let mut codes = [u16::MAX; 32];
        for (code, &slot) in codes.iter_mut().zip(block) {
            *code = slot_code(slot);
        }
        let pairs = &codes[..block.len().next_multiple_of(2)];
        out.extend(
            pairs
                .chunks_exact(2)
                .map(|pair| u32::from(pair[0]) | u32::from(pair[1]) << 16),
        );
    }
}

/// Lowers each of `codes` (a signature's slot codes, padded to an even
/// count) to the code for it in `packed` (one signature's packed codes):
/// the codes of the union of both sets. A minimum of 16-bit lanes, which
/// vectorizes, where taking two codes apart from each value does not.
pub fn lower_codes(codes: &mut [u16], packed: &[u32]) {
    assert_eq!(codes.len(), 2 * packed.len(), "two codes a value");
    if cfg!(target_endian = "little") {
        // SAFETY: a value's low code comes first in memory on a
        // little-endian machine, so the values' bytes are the codes in
        // order; `u16` needs no more alignment than `u32`.
        let packed_codes =
            unsafe { std::slice::from_raw_parts(packed.as_ptr().cast::<u16>(), codes.len()) };
        for (code, &other) in codes.iter_mut().zip(packed_codes) {
            *code = (*code).min(other);
        }
    } else {
        for (pair, &value) in codes.chunks_exact_mut(2).zip(packed) {
            pair[0] = pair[0].min(value as u16);
            pair[1] = pair[1].min((value >> 16) as u16);
        }
    }
}

/// Lowers each code of `packed` (a signature's packed codes) to the code
/// beside it in `other` (another's): the packed codes of the union of
/// both sets, as [`lower_codes`] gives them unpacked.
pub fn lower_packed(packed: &mut [u32], other: &[u32]) {
    assert_eq!(packed.len(), other.len(), "signatures of one length");
    for (value, &other) in packed.iter_mut().zip(other) {
        let low = (*value as u16).min(other as u16);
        let high = ((*value >> 16) as u16).min((other >> 16) as u16);
        *value = u32::from(low) | u32::from(high) << 16;
    }
}

impl SignatureStore {
    /// An empty store of signatures of `slots` slots in `dir` (the
    /// system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>, slots: usize) -> io::Result<Self> {
        Ok(SignatureStore {
            spill: SpillFile::new_in(dir)?,
            slots: slots as u64,
            len: 0,
        })
    }

    /// Appends a signature's packed codes ([`pack_codes`]) and returns its
    /// number.
    pub fn push(&mut self, packed: &[u32]) -> io::Result<u32> {
        self.push_all(&[packed])?;
        Ok(self.len - 1)
    }

    /// Appends signatures as [`SignatureStore::push`] does, in one write:
    /// they take the next numbers in turn.
    pub fn push_all(&mut self, signatures: &[&[u32]]) -> io::Result<()> {
        let per_signature = packed_len(self.slots as usize);
        assert!(
            signatures
                .iter()
                .all(|packed| packed.len() == per_signature),
            "{per_signature} packed values a signature"
        );
        self.spill.append_all(signatures)?;
        self.len += signatures.len() as u32;
        Ok(())
    }

    /// Slots per signature.
    pub fn slots(&self) -> usize {
        self.slots as usize
    }

    /// Number of signatures stored.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when no signature is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.spill.disk_bytes()
    }

    /// Ends writing; afterwards the store is read-only.
    pub fn seal(&mut self) {
        self.spill.seal();
    }

    /// The codes of signature `n`, read from disk.
    pub fn get(&self, n: u32) -> io::Result<Signature> {
        let mut codes = vec![u16::MAX; 2 * packed_len(self.slots as usize)];
        self.lower_codes_to(n, &mut codes)?;
        Ok(Signature(
            codes[..self.slots as usize]
                .iter()
                .map(|&code| match code {
                    u16::MAX => u32::MAX,
                    code => u32::from(code),
                })
                .collect(),
        ))
    }

    /// Lowers each of `codes` ([`lower_codes`]) to signature `n`'s, read
    /// from disk; on an error `codes` are as they were.
    pub fn lower_codes_to(&self, n: u32, codes: &mut [u16]) -> io::Result<()> {
        let per_signature = packed_len(self.slots as usize) as u64;
        let start = u64::from(n) * per_signature;
        let mut packed = Vec::with_capacity(per_signature as usize);
        self.spill
            .read_at(start, start + per_signature, &mut packed)?;
        lower_codes(codes, &packed);
        Ok(())
    }

    /// Reads the signatures in order, from the first.
    pub fn in_order(&self) -> io::Result<SignaturesInOrder<'_>> {
        Ok(SignaturesInOrder {
            store: self,
            reader: self.spill.in_order()?,
            next: 0,
        })
    }
}

/// A buffered pass over a store's signatures in order.
#[derive(Debug)]
pub struct SignaturesInOrder<'s> {
    store: &'s SignatureStore,
    reader: BufReader<File>,
    next: u32,
}

impl SignaturesInOrder<'_> {
    /// The number of the first signature
    /// [`SignaturesInOrder::next_signatures`] reads next.
    pub fn position(&self) -> u32 {
        self.next
    }

    /// Appends the packed codes of the next `count` signatures to `out`,
    /// one signature after another ([`packed_len`] values each).
    pub fn next_signatures(&mut self, count: u32, out: &mut Vec<u32>) -> io::Result<()> {
        let values = u64::from(count) * packed_len(self.store.slots as usize) as u64;
        read_values(values, out, |bytes| self.reader.read_exact(bytes))?;
        self.next += count;
        Ok(())
    }
}

/// Values a paragraph's place takes in a [`PlaceStore`]: its first line,
/// then its start and end bytes, each as low and high halves.
pub const PLACE_VALUES: usize = 5;

/// Where each paragraph of the corpus lies in its document (first line,
/// byte span), in input order: what a report points at, spilled because
/// it is only read for the few paragraphs a report names.
#[derive(Debug)]
pub struct PlaceStore {
    spill: SpillFile,
}

impl PlaceStore {
    /// An empty store in `dir` (the system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>) -> io::Result<Self> {
        Ok(PlaceStore {
            spill: SpillFile::new_in(dir)?,
        })
    }

    /// Appends `paragraph`'s place to `out`, to be pushed with
    /// [`PlaceStore::push_all`].
    pub fn encode(paragraph: &Paragraph, out: &mut Vec<u32>) {
        let (start, end) = (paragraph.start_byte as u64, paragraph.end_byte as u64);
        out.extend([
            paragraph.first_line,
            start as u32,
            (start >> 32) as u32,
            end as u32,
            (end >> 32) as u32,
        ]);
    }

    /// Appends places encoded by [`PlaceStore::encode`], in one write.
    pub fn push_all(&mut self, encoded: &[&[u32]]) -> io::Result<()> {
        self.spill.append_all(encoded)
    }

    /// Number of places stored.
    pub fn len(&self) -> u64 {
        self.spill.values / PLACE_VALUES as u64
    }

    /// True when no place is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.spill.disk_bytes()
    }

    /// Ends writing; afterwards the store is read-only.
    pub fn seal(&mut self) {
        self.spill.seal();
    }

    /// The places of paragraphs `wanted` (numbers in input order,
    /// ascending, repeats allowed), in one buffered pass over the file.
    pub fn read_sorted(&self, wanted: &[u64]) -> io::Result<Vec<Paragraph>> {
        debug_assert!(wanted.is_sorted(), "paragraph numbers ascend");
        let record = (PLACE_VALUES as u64) * VALUE_BYTES;
        let mut reader = self.spill.in_order()?;
        let mut at = 0u64;
        let mut bytes = [0u8; PLACE_VALUES * VALUE_BYTES as usize];
        let mut places: Vec<Paragraph> = Vec::with_capacity(wanted.len());
        for &paragraph in wanted {
            if let Some(last) = places.last()
                && at == (paragraph + 1) * record
            {
                places.push(last.clone());
                continue;
            }
            reader.seek_relative((paragraph * record) as i64 - at as i64)?;
            reader.read_exact(&mut bytes)?;
            at = (paragraph + 1) * record;
            let value = |i: usize| {
                u64::from(u32::from_le_bytes(
                    bytes[4 * i..4 * i + 4].try_into().expect("four bytes"),
                ))
            };
            places.push(Paragraph {
                first_line: value(0) as u32,
                start_byte: (value(1) | value(2) << 32) as usize,
                end_byte: (value(3) | value(4) << 32) as usize,
            });
        }
        Ok(places)
    }
}

/// Texts numbered from 0 (a paragraph form's text as first printed, for
/// a report), in a temporary file; only their offsets stay in memory.
#[derive(Debug)]
pub struct TextStore {
    file: File,
    /// Where each text lies, in bytes.
    offsets: Offsets,
}

impl TextStore {
    /// An empty store in `dir` (the system's temporary directory if none).
    pub fn new_in(dir: Option<&Path>) -> io::Result<Self> {
        let file = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        Ok(TextStore {
            file,
            offsets: Offsets::new(),
        })
    }

    /// Appends texts in one write: they take the next numbers in turn.
    pub fn push_all(&mut self, texts: &[&str]) -> io::Result<()> {
        for group in texts.chunks(SLICES_PER_WRITE) {
            let mut slices: Vec<IoSlice<'_>> = group
                .iter()
                .map(|text| IoSlice::new(text.as_bytes()))
                .collect();
            write_all_vectored(&self.file, &mut slices)?;
        }
        self.offsets.extend(texts.iter().map(|text| text.len()));
        Ok(())
    }

    /// Number of texts stored.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// True when no text is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes written to disk.
    pub fn disk_bytes(&self) -> u64 {
        self.offsets.end()
    }

    /// Text `n`, read from disk.
    pub fn get(&self, n: u32) -> io::Result<String> {
        let (start, end) = self.offsets.range(n);
        let mut bytes = vec![0u8; (end - start) as usize];
        read_exact_at(&self.file, &mut bytes, start)?;
        String::from_utf8(bytes).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
    }
}

/// Appends `count` stored values to `out`, `read` filling their bytes
/// straight into `out` (no buffer to decode from). On an error `out` is
/// left as it was.
fn read_values(
    count: u64,
    out: &mut Vec<u32>,
    read: impl FnOnce(&mut [u8]) -> io::Result<()>,
) -> io::Result<()> {
    let old_len = out.len();
    out.resize(old_len + count as usize, 0);
    let values = &mut out[old_len..];
    // SAFETY: the bytes of a `u32` slice, which any byte values leave
    // valid `u32`s; `u8` needs no alignment.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(
            values.as_mut_ptr().cast::<u8>(),
            std::mem::size_of_val(values),
        )
    };
    match read(bytes) {
        Ok(()) => {
            // Stored little-endian: nothing to do on most machines.
            values
                .iter_mut()
                .for_each(|value| *value = u32::from_le(*value));
            Ok(())
        }
        Err(err) => {
            out.truncate(old_len);
            Err(err)
        }
    }
}

/// Writes every byte of `slices` to `out`, as few gathering writes as it
/// takes (`Write::write_all_vectored` is not stable yet).
fn write_all_vectored(mut out: impl Write, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut slices, written),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// The runs of consecutive numbers in `numbers` (ascending, repeats
/// allowed), each as `(first, end)` with `end` past its last: the records
/// of a run lie one after another in a store, so they are one read.
pub(super) fn runs(numbers: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    numbers
        .chunk_by(|a, b| a + 1 >= *b)
        .map(|run| (run[0], run[run.len() - 1] + 1))
}

/// Tells the system that `len` bytes of `file` from `offset` will be read
/// soon, so that it starts reading them now (Linux; elsewhere nothing):
/// many such hints before the reads keep many disk requests in flight,
/// where reads one at a time (a thread each) keep two. Only a hint:
/// nothing is read into the process's memory, and an error is no matter.
/// With the disk's queue full the call waits for room, so a long run of
/// hints belongs on a thread of its own.
pub(super) fn will_need(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len))
        else {
            return;
        };
        // SAFETY: advice on a descriptor `file` owns; the call touches no
        // memory of ours.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), offset, len, libc::POSIX_FADV_WILLNEED);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
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
    fn sets_come_back_by_number() {
        let mut store = ShingleStore::new_in(None).unwrap();
        let sets = [vec![9, 1, 5, 1], vec![], vec![u32::MAX], vec![2, 3]];
        for (n, set) in sets.iter().enumerate() {
            assert_eq!(store.push(set).unwrap(), n as u32);
        }
        store.seal();
        assert_eq!(store.len(), 4);
        assert_eq!(store.disk_bytes(), 28);
        assert_eq!(store.get(3).unwrap().hashes(), [2, 3]);
        assert_eq!(store.get(0).unwrap().hashes(), [1, 5, 9]);
        let mut run = vec![7];
        store.append_run(0, 3, &mut run).unwrap();
        assert_eq!(run, [7, 9, 1, 5, 1, u32::MAX]);
    }

    #[test]
    fn a_failed_read_is_an_error_of_that_read() {
        let mut shingles = ShingleStore::new_in(None).unwrap();
        shingles.push(&[1, 2, 3]).unwrap();
        shingles.push(&[4, 5]).unwrap();
        shingles.seal();
        // The temporary file loses its end, as on a disk error.
        shingles.spill.file.set_len(12).unwrap();
        assert_eq!(shingles.get(0).unwrap().hashes(), [1, 2, 3]);
        let err = shingles.get(1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let mut run = Vec::new();
        assert!(shingles.append_run(0, 2, &mut run).is_err());

        let mut signatures = SignatureStore::new_in(None, 4).unwrap();
        signatures.push(&[1, 2]).unwrap();
        signatures.seal();
        signatures.spill.file.set_len(0).unwrap();
        let mut codes = [7u16; 4];
        assert!(signatures.lower_codes_to(0, &mut codes).is_err());
        assert_eq!(codes, [7; 4], "codes stay as they were");
        assert!(signatures.get(0).is_err());
    }

    #[test]
    fn sets_written_together_come_back_as_if_pushed_one_by_one() {
        // More sets than one gathering write takes, some empty.
        let sets: Vec<Vec<u32>> = (0..2500u32)
            .map(|n| (0..n % 7).map(|i| n * 10 + i).collect())
            .collect();
        let mut store = ShingleStore::new_in(None).unwrap();
        store.push(&[42]).unwrap();
        let slices: Vec<&[u32]> = sets.iter().map(Vec::as_slice).collect();
        store.push_all(&slices[..1300]).unwrap();
        store.push_all(&slices[1300..]).unwrap();
        store.seal();
        assert_eq!(store.len(), 2501);
        let values: usize = sets.iter().map(Vec::len).sum();
        assert_eq!(store.disk_bytes(), 4 * (1 + values as u64));
        assert_eq!(store.get(0).unwrap().hashes(), [42]);
        for (n, set) in sets.iter().enumerate() {
            assert_eq!(
                store.get(n as u32 + 1).unwrap().hashes(),
                set.as_slice(),
                "set {n}"
            );
        }
    }

    #[test]
    fn signatures_come_back_by_number_and_in_order() {
        let mut store = SignatureStore::new_in(None, 3).unwrap();
        let signatures = [Signature(vec![4, 0, u32::MAX]), Signature(vec![7, 8, 9])];
        for (n, signature) in signatures.iter().enumerate() {
            let mut packed = Vec::new();
            pack_codes(signature.slots(), &mut packed);
            assert_eq!(store.push(&packed).unwrap(), n as u32);
        }
        store.seal();
        // Two values (four codes) a signature.
        assert_eq!((store.len(), store.disk_bytes()), (2, 16));
        let max_code = u32::from(slot_code(u32::MAX));
        assert_eq!(
            store.get(1).unwrap(),
            signatures[1],
            "small slots are their own code"
        );
        assert_eq!(store.get(0).unwrap(), Signature(vec![4, 0, max_code]));
        let mut in_order = store.in_order().unwrap();
        let mut packed = Vec::new();
        in_order.next_signatures(1, &mut packed).unwrap();
        assert_eq!(in_order.position(), 1);
        in_order.next_signatures(1, &mut packed).unwrap();
        assert_eq!(in_order.position(), 2);
        let mut union = [u16::MAX; 4];
        lower_codes(&mut union, &packed[..2]);
        lower_codes(&mut union, &packed[2..]);
        assert_eq!(
            union,
            [4, 0, 9, u16::MAX],
            "an odd signature's padding stays"
        );
        let mut by_number = [u16::MAX; 4];
        store.lower_codes_to(1, &mut by_number).unwrap();
        store.lower_codes_to(0, &mut by_number).unwrap();
        assert_eq!(by_number, union);
    }

    #[test]
    fn places_come_back_for_the_paragraphs_asked_for() {
        let mut store = PlaceStore::new_in(None).unwrap();
        let places: Vec<Paragraph> = (0..3000u64)
            .map(|n| Paragraph {
                first_line: n as u32 * 3 + 1,
                start_byte: (n * 100 + ((n % 7) << 33)) as usize,
                end_byte: (n * 100 + 57 + ((n % 7) << 33)) as usize,
            })
            .collect();
        let mut encoded = Vec::new();
        for place in &places[..1000] {
            PlaceStore::encode(place, &mut encoded);
        }
        store.push_all(&[&encoded]).unwrap();
        encoded.clear();
        for place in &places[1000..] {
            PlaceStore::encode(place, &mut encoded);
        }
        store
            .push_all(&[&encoded[..7000], &encoded[7000..]])
            .unwrap();
        store.seal();
        assert_eq!((store.len(), store.disk_bytes()), (3000, 3000 * 20));
        let wanted = [0, 5, 5, 6, 999, 1000, 2999];
        let got = store.read_sorted(&wanted).unwrap();
        let expected: Vec<Paragraph> = wanted.iter().map(|&n| places[n as usize].clone()).collect();
        assert_eq!(got, expected);
        assert!(store.read_sorted(&[3000]).is_err(), "past the end");
    }

    #[test]
    fn texts_come_back_by_number() {
        let mut store = TextStore::new_in(None).unwrap();
        store.push_all(&["first", "", "国网湖南电力"]).unwrap();
        store.push_all(&["last"]).unwrap();
        assert_eq!((store.len(), store.disk_bytes()), (4, 5 + 18 + 4));
        assert_eq!(store.get(2).unwrap(), "国网湖南电力");
        assert_eq!(store.get(1).unwrap(), "");
        assert_eq!(store.get(3).unwrap(), "last");
        assert_eq!(store.get(0).unwrap(), "first");
    }

    #[test]
    fn packed_codes_pair_the_codes_of_any_length() {
        for len in [1, 2, 3, 31, 32, 33, 64, 127, 128, 129] {
            let slots: Vec<u32> = (0..len as u32)
                .map(|i| i.wrapping_mul(0x9e37_79b9) >> (i % 29))
                .collect();
            let mut packed = Vec::new();
            pack_codes(&slots, &mut packed);
            let expected: Vec<u32> = slots
                .chunks(2)
                .map(|pair| {
                    let high = pair.get(1).map_or(u16::MAX, |&slot| slot_code(slot));
                    u32::from(slot_code(pair[0])) | u32::from(high) << 16
                })
                .collect();
            assert_eq!(packed, expected, "{len} slots");
            assert_eq!(packed.len(), packed_len(len));
        }
    }

    #[test]
    fn slot_codes_keep_order_and_tell_apart_slots_a_2048th_apart() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut slots: Vec<u32> = (0..20_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Every magnitude, not only large values.
                (state as u32) >> (state >> 59)
            })
            .chain([0, 1, 4095, 4096, 4097, 8191, 8192, u32::MAX - 1, u32::MAX])
            .collect();
        slots.sort_unstable();
        for pair in slots.windows(2) {
            let (low, high) = (pair[0], pair[1]);
            assert!(slot_code(low) <= slot_code(high), "{low} {high}");
            if u64::from(high - low) * 2048 > u64::from(high) {
                assert!(slot_code(low) < slot_code(high), "{low} {high}");
            }
        }
        assert_eq!(slot_code(4095), 4095);
        assert_eq!(slot_code(u32::MAX), 4096 + 19 * 2048 + 2047);
    }
}
