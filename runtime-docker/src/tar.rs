//! The few bytes of a ustar archive needed to import a one-file root filesystem.

/// An archive of `files` (path, mode, contents), each a regular file owned by root.
pub fn archive(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, mode, contents) in files {
        let mut header = [0u8; 512];
        header[..path.len()].copy_from_slice(path.as_bytes());
        octal(&mut header[100..108], u64::from(*mode));
        octal(&mut header[108..116], 0); // uid
        octal(&mut header[116..124], 0); // gid
        octal(&mut header[124..136], contents.len() as u64);
        octal(&mut header[136..148], 0); // mtime: fixed, so the archive's hash is the content's
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        // The checksum is computed with its own field as spaces.
        header[148..156].fill(b' ');
        let sum: u64 = header.iter().map(|b| u64::from(*b)).sum();
        octal(&mut header[148..155], sum);
        out.extend_from_slice(&header);
        out.extend_from_slice(contents);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0); // two zero blocks end the archive
    out
}

/// Writes `value` as zero-padded octal, NUL-terminated, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    field[..digits.len()].copy_from_slice(digits.as_bytes());
    field[field.len() - 1] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_file_archive_has_a_valid_header_and_padding() {
        let tar = archive(&[("hello", 0o755, b"hi\n")]);
        assert_eq!(tar.len(), 512 + 512 + 1024);
        assert_eq!(&tar[..5], b"hello");
        assert_eq!(&tar[124..135], b"00000000003");
        assert_eq!(&tar[257..262], b"ustar");
        let stored: u64 = u64::from_str_radix(std::str::from_utf8(&tar[148..154]).unwrap(), 8).unwrap();
        let mut header = tar[..512].to_vec();
        header[148..156].fill(b' ');
        assert_eq!(stored, header.iter().map(|b| u64::from(*b)).sum::<u64>());
        assert_eq!(&tar[512..515], b"hi\n");
    }
}
