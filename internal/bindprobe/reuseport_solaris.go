package bindprobe

// soReusePort is 0: the probe sets no SO_REUSEPORT on Solaris and illumos
// (illumos has none; Solaris 11.4's is not yet tried on a real host), so
// why judges a SO_REUSEPORT group there from the holders' options alone.
const soReusePort = 0
