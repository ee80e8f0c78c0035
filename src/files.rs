//! Files omnidesk writes hold customer data and secrets: directories are created 0700 and files
//! 0600 (owner only), and what an earlier version left more open is tightened at start-up. On
//! systems without Unix permissions these are plain creates.

use std::io;
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

/// Creates `dir` and its missing parents owner-only, and makes `dir` itself 0700 if it existed.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Makes an existing file 0600.
pub fn tighten(file: &Path) -> io::Result<()> {
    set_mode(file, FILE_MODE)
}

/// Makes every directory under `root` (and `root`) 0700 and every file 0600; symbolic links are
/// left alone (their targets are not ours to change).
pub fn tighten_tree(root: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(root)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    if meta.is_dir() {
        set_mode(root, DIR_MODE)?;
        for entry in std::fs::read_dir(root)? {
            tighten_tree(&entry?.path())?;
        }
        Ok(())
    } else {
        tighten(root)
    }
}

/// Async `create_private_dir`, for the request and fetch paths.
pub async fn create_private_dir_async(dir: &Path) -> io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || create_private_dir(&dir))
        .await
        .map_err(io::Error::other)?
}

/// Creates (or truncates) `path` as an owner-only file.
pub async fn create_private(path: &Path) -> io::Result<tokio::fs::File> {
    let mut opts = tokio::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(FILE_MODE);
    opts.open(path).await
}

/// Writes `bytes` to a new owner-only file at `path`.
pub async fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut file = create_private(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_tree_left_open_is_tightened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        create_private_dir(&dir.join("media/3")).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        let file = dir.join("media/3/1-0.jpg");
        std::fs::write(&file, b"x").unwrap();
        set_mode(&file, 0o644).unwrap();
        set_mode(&dir, 0o755).unwrap();
        tighten_tree(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        assert_eq!(mode(&dir.join("media/3")), DIR_MODE);
        assert_eq!(mode(&file), FILE_MODE);
    }
}
