//go:build windows

package train

import (
	"os/exec"
	"syscall"
)

func setProcessGroup(cmd *exec.Cmd) {}

// signalGroup: Windows has no SIGTERM; the trainer is killed outright (its
// last periodic checkpoint is what a resume starts from).
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
