//go:build !windows

package train

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the trainer in its own process group so a stop
// reaches its children too (mlx_lm runs as a subprocess).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		return cmd.Process.Signal(sig)
	}
	return nil
}
