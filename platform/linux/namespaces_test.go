package linux

import "testing"

func TestContainerID(t *testing.T) {
	const id = "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
	for _, tc := range []struct{ name, cgroup, want string }{
		{"host", "0::/init.scope\n", ""},
		{"systemd user", "0::/user.slice/user-1000.slice/session-3.scope\n", ""},
		{"docker systemd driver", "0::/system.slice/docker-" + id + ".scope\n", "docker://" + id},
		{"docker cgroupfs v1", "12:memory:/docker/" + id + "\n11:cpu:/docker/" + id + "\n", "docker://" + id},
		{"kubernetes containerd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/cri-containerd-" + id + ".scope\n", "containerd://" + id},
		{"kubernetes cgroupfs", "0::/kubepods/burstable/pod0b1c2d3e-aaaa-bbbb-cccc-0123456789ab/" + id + "\n", "containerd://" + id},
		{"cri-o", "0::/kubepods.slice/kubepods-pod12.slice/crio-" + id + ".scope\n", "cri-o://" + id},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope/container\n", "podman://" + id},
		{"lxc", "0::/lxc.payload.web1/init.scope\n", "lxc://web1"},
		{"short hex is no id", "0::/docker/3f4e1c2b\n", ""},
		{"garbage", "not a cgroup file", ""},
		{"empty", "", ""},
	} {
		if got := ContainerID([]byte(tc.cgroup)); got != tc.want {
			t.Errorf("%s: ContainerID = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNSInode(t *testing.T) {
	if n, ok := nsInode([]byte("net:[4026531840]")); !ok || n != 4026531840 {
		t.Errorf("nsInode = %d, %v", n, ok)
	}
	for _, bad := range []string{"mnt:[4026531840]", "net:[]", "net:[12x]", "net:"} {
		if _, ok := nsInode([]byte(bad)); ok {
			t.Errorf("nsInode(%q) accepted", bad)
		}
	}
}

func FuzzContainerID(f *testing.F) {
	f.Add([]byte("0::/system.slice/docker-abc.scope\n"))
	f.Add([]byte("12:memory:/docker/x\n"))
	f.Fuzz(func(t *testing.T, b []byte) { ContainerID(b) })
}
