package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/datafolder"
)

// openFolder opens the configured data folder for a maintenance command.
// It must exist: these commands never create a registry.
func openFolder(cmd *cobra.Command, f *configFlags, env Env) (*datafolder.Folder, error) {
	cfg, err := f.load(env)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Data); err != nil {
		return nil, usageErr("data folder %s: %w", cfg.Data, err)
	}
	return datafolder.Open(cmd.Context(), cfg.Data)
}

func newBlobs(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blobs",
		Short: "Check package files against their digests; remove orphaned files",
	}
	cmd.AddCommand(newBlobsVerify(env), newBlobsGC(env))
	return cmd
}

func newBlobsVerify(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-hash every package file; report corrupt, missing and orphaned ones",
		Long: `Re-hash every stored package file that a version refers to (unpublished
versions included) against the SHA-512 digest recorded at publish, and list:

  corrupt   the file's bytes changed on disk (the server refuses to serve it)
  missing   a version's file is gone (likewise)
  orphan    a stored file no version refers to (see "rampart admin blobs gc")

Exits 1 if any file is corrupt or missing: restore those from a backup
(see the README, Backups). Orphans alone are not a failure. Safe to run
while the server runs; it changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			folder, err := openFolder(cmd, &f, env)
			if err != nil {
				return err
			}
			defer folder.Close()
			rep, err := datafolder.Verify(cmd.Context(), folder.DB, folder.Blobs)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, p := range rep.Problems {
				what := "missing"
				if p.Corrupt {
					what = "corrupt"
				}
				for _, r := range p.Refs {
					file := ""
					if r.Provenance {
						file = " provenance" // the version's bundle, not its artifact
					}
					fmt.Fprintf(out, "%s\t%s@%s%s\tsha512 %s\n", what, r.Package, r.Version, file, p.Digest)
				}
			}
			for _, d := range rep.Orphans {
				fmt.Fprintf(out, "orphan\tsha512 %s\n", d)
			}
			fmt.Fprintf(out, "checked %d files (%d bytes): %d corrupt or missing, %d orphaned\n", rep.Files, rep.Bytes, len(rep.Problems), len(rep.Orphans))
			if len(rep.Problems) > 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%d package files are corrupt or missing: restore them from a backup (README, Backups)", len(rep.Problems))}
			}
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func newBlobsGC(env Env) *cobra.Command {
	var f configFlags
	var minAge time.Duration
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove stored files that no version refers to",
		Long: `Remove orphaned package files: stored files that no version, published or
unpublished, refers to. A publish that fails after storing its file (a
version already taken, a crash) leaves one behind.

A publish stores its file before it records the version, so only files
stored more than --min-age ago are removed: a publish under way keeps its
file. Safe to run while the server runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if minAge < time.Minute {
				return usageErr("--min-age %v is too short: a publish under way could lose its file; use at least 1m", minAge)
			}
			folder, err := openFolder(cmd, &f, env)
			if err != nil {
				return err
			}
			defer folder.Close()
			now := time.Now()
			if c, err := adminClock(env); err != nil {
				return err
			} else if c != nil {
				now = c()
			}
			got, err := datafolder.CollectOrphans(cmd.Context(), folder.DB, folder.Blobs, minAge, now, dryRun)
			verb := "removed"
			if dryRun {
				verb = "would remove"
			}
			if got != nil {
				for _, d := range got.Digests {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\tsha512 %s\n", verb, d)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %d orphaned files (%d bytes); kept %d younger than %v\n", verb, len(got.Digests), got.Bytes, got.Young, minAge)
			}
			return err
		},
	}
	f.register(cmd, false)
	cmd.Flags().DurationVar(&minAge, "min-age", 24*time.Hour, "remove only orphans stored longer ago than this")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be removed, remove nothing")
	return cmd
}

func newBackup(env Env) *cobra.Command {
	var f configFlags
	var to string
	cmd := &cobra.Command{
		Use:   "backup --to DIR",
		Short: "Write a consistent backup of the data folder, also while the server runs",
		Long: `Write a consistent backup of the data folder to DIR, a new folder: an
online snapshot of the database, then every package file it refers to,
each checked against its digest. It is written under a temporary name and
renamed to DIR only when complete. Publishes go on while it runs; those
after the snapshot are not in it.

Do not copy a live data folder with cp or rsync: the copy can hold a
corrupt database and versions without their files.

DIR is itself a data folder. To restore, stop the server and either point
--data at a copy made with "rampart admin restore --from DIR --data NEWDIR"
(which checks the backup in full first), or at DIR itself.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usageErr("--to is required: the new folder to write the backup to")
			}
			folder, err := openFolder(cmd, &f, env)
			if err != nil {
				return err
			}
			defer folder.Close()
			got, err := datafolder.Copy(cmd.Context(), folder, to)
			if err != nil {
				return fmt.Errorf("backup to %s: %w", to, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %d versions, %d package files (%d bytes) to %s\n", got.Versions, got.Files, got.Bytes, to)
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&to, "to", "", "the backup folder to create (must not exist)")
	return cmd
}

func newRestore(env Env) *cobra.Command {
	var f configFlags
	var from string
	cmd := &cobra.Command{
		Use:   "restore --from BACKUP --data NEWDIR",
		Short: "Restore a backup into a new data folder, checking it in full",
		Long: `Restore a backup made with "rampart admin backup" into NEWDIR, a new
folder: the backup's database must pass SQLite's full integrity check, and
every package file a version refers to must be present with the right
digest, or nothing is written. Then start the server with --data NEWDIR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return usageErr("--from is required: the backup folder to restore")
			}
			cfg, err := f.load(env)
			if err != nil {
				return err
			}
			if _, err := os.Stat(from); err != nil {
				return usageErr("backup %s: %w", from, err)
			}
			src, err := datafolder.Open(cmd.Context(), from)
			if err != nil {
				return err
			}
			defer src.Close()
			if err := src.DB.Check(cmd.Context(), true); err != nil {
				return fmt.Errorf("backup %s: %w", from, err)
			}
			got, err := datafolder.Copy(cmd.Context(), src, cfg.Data)
			if err != nil {
				return fmt.Errorf("restore to %s: %w", cfg.Data, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %d versions, %d package files (%d bytes) into %s\nstart the server with: rampart serve --data %s\n", got.Versions, got.Files, got.Bytes, cfg.Data, cfg.Data)
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&from, "from", "", "the backup folder (made by rampart admin backup)")
	return cmd
}
