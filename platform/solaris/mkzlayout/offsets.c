/*
 * Prints, as Go source, the sizes and offsets of the illumos structs gosof
 * decodes, as this compiler lays them out. Built for x86-64 (amd64 rules:
 * _LONG_LONG_ALIGNMENT 8, _LONG_LONG_ALIGNMENT_32 4, so mib2.h's
 * #pragma pack(4) applies) and for sparc64 (SPARC: both 8, no packing),
 * each once with the current mib2.h and once with the pre-Aug-2019 one.
 */
#include <stddef.h>
#include <stdint.h>
int printf(const char *, ...);

#if defined(__x86_64__)
#define	_LONG_LONG_ALIGNMENT	8
#define	_LONG_LONG_ALIGNMENT_32	4
#define	ARCH	"amd64"
#define	ORDER	"little"
#elif defined(__sparc__) && defined(__arch64__)
#define	_LONG_LONG_ALIGNMENT	8
#define	_LONG_LONG_ALIGNMENT_32	_LONG_LONG_ALIGNMENT
#define	ARCH	"sparcv9"
#define	ORDER	"big"
#else
#error "x86-64 or sparc64 only"
#endif

/* illumos LP64 base types (sys/types.h, sys/int_types.h) */
typedef unsigned short ushort_t;
typedef unsigned int uint_t;
typedef unsigned long ulong_t;
typedef int id_t;
typedef int pid_t_;
#define pid_t pid_t_
typedef unsigned int uid_t_;
#define uid_t uid_t_
#define gid_t uid_t_
typedef unsigned int mode_t_;
#define mode_t mode_t_
typedef unsigned long dev_t_;
#define dev_t dev_t_
typedef unsigned int major_t;
typedef unsigned int minor_t;
typedef unsigned long long ino64_t_;
#define ino64_t ino64_t_
typedef long long off64_t_;
#define off64_t off64_t_
typedef id_t taskid_t, projid_t, poolid_t, zoneid_t;
typedef int processorid_t, psetid_t;
typedef struct { long tv_sec; long tv_nsec; } timestruc_t;
typedef unsigned short sa_family_t;
/* netinet/in.h: struct in6_addr is a union aligned like uint32_t */
struct in6_addr { union { uint8_t _S6_u8[16]; uint32_t _S6_u32[4]; } _S6_un; };

#ifdef OLD
#include "mib2_old.h"
#else
#include "mib2_new.h"
#endif
#include "sockstore.h"
#include "abort.h"
#include "procfs.h"
#include "tunables.h"

#define	O(t, f)	((int)offsetof(t, f))
#define	LEG(t, f)	O(t, f)	/* LEGACY_MIB_SIZE: offset of the first new element */

int
main(void)
{
#ifdef OLD
	const char *era = "pre2019";
#else
	const char *era = "2019";
#endif
	/* TCP rows: full and legacy (LEGACY_MIB_SIZE) */
	printf("\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: false, Size: %d, Snxt: %d, Suna: %d, Rnxt: %d, Rack: %d, CEState: %d, CreationProcess: %d, CreationTime: %d},\n",
	    ORDER, ARCH, era, (int)sizeof (mib2_tcpConnEntry_t),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_snxt), O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_suna),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_rnxt), O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_rack),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_state),
	    O(mib2_tcpConnEntry_t, tcpConnCreationProcess), O(mib2_tcpConnEntry_t, tcpConnCreationTime));
	printf("\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: true, Size: %d, Snxt: %d, Suna: %d, Rnxt: %d, Rack: %d, CEState: %d, CreationProcess: -1, CreationTime: -1},\n",
	    ORDER, ARCH, era, LEG(mib2_tcpConnEntry_t, tcpConnCreationProcess),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_snxt), O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_suna),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_rnxt), O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_rack),
	    O(mib2_tcpConnEntry_t, tcpConnEntryInfo.ce_state));
	printf("TCP6\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: false, Size: %d, Snxt: %d, Suna: %d, Rnxt: %d, Rack: %d, CEState: %d, CreationProcess: %d, CreationTime: %d},\n",
	    ORDER, ARCH, era, (int)sizeof (mib2_tcp6ConnEntry_t),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_snxt), O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_suna),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_rnxt), O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_rack),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_state),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnCreationProcess), O(mib2_tcp6ConnEntry_t, tcp6ConnCreationTime));
	printf("TCP6\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: true, Size: %d, Snxt: %d, Suna: %d, Rnxt: %d, Rack: %d, CEState: %d, CreationProcess: -1, CreationTime: -1},\n",
	    ORDER, ARCH, era, LEG(mib2_tcp6ConnEntry_t, tcp6ConnCreationProcess),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_snxt), O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_suna),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_rnxt), O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_rack),
	    O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo.ce_state));
	printf("UDP\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: false, Size: %d, CreationProcess: %d, CreationTime: %d},\n",
	    ORDER, ARCH, era, (int)sizeof (mib2_udpEntry_t), O(mib2_udpEntry_t, udpCreationProcess), O(mib2_udpEntry_t, udpCreationTime));
	printf("UDP\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: true, Size: %d, CreationProcess: -1, CreationTime: -1},\n",
	    ORDER, ARCH, era, LEG(mib2_udpEntry_t, udpInstance));
	printf("UDP6\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: false, Size: %d, CreationProcess: %d, CreationTime: %d},\n",
	    ORDER, ARCH, era, (int)sizeof (mib2_udp6Entry_t), O(mib2_udp6Entry_t, udp6CreationProcess), O(mib2_udp6Entry_t, udp6CreationTime));
	printf("UDP6\t{Order: \"%s\", Arch: \"%s\", Era: \"%s\", Legacy: true, Size: %d, CreationProcess: -1, CreationTime: -1},\n",
	    ORDER, ARCH, era, LEG(mib2_udp6Entry_t, udp6Instance));

	/* Fields that never move, and everything else, as name = value */
	printf("CONST %s zTCP4State %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnState));
	printf("CONST %s zTCP4LocalAddr %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnLocalAddress));
	printf("CONST %s zTCP4LocalPort %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnLocalPort));
	printf("CONST %s zTCP4RemAddr %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnRemAddress));
	printf("CONST %s zTCP4RemPort %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnRemPort));
	printf("CONST %s zTCP4Info %d\n", ARCH, O(mib2_tcpConnEntry_t, tcpConnEntryInfo));
	printf("CONST %s zTCP6LocalAddr %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnLocalAddress));
	printf("CONST %s zTCP6LocalPort %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnLocalPort));
	printf("CONST %s zTCP6RemAddr %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnRemAddress));
	printf("CONST %s zTCP6RemPort %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnRemPort));
	printf("CONST %s zTCP6IfIndex %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnIfIndex));
	printf("CONST %s zTCP6State %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnState));
	printf("CONST %s zTCP6Info %d\n", ARCH, O(mib2_tcp6ConnEntry_t, tcp6ConnEntryInfo));
	printf("CONST %s zUDP4LocalAddr %d\n", ARCH, O(mib2_udpEntry_t, udpLocalAddress));
	printf("CONST %s zUDP4LocalPort %d\n", ARCH, O(mib2_udpEntry_t, udpLocalPort));
	printf("CONST %s zUDP4State %d\n", ARCH, O(mib2_udpEntry_t, udpEntryInfo.ue_state));
	printf("CONST %s zUDP4RemAddr %d\n", ARCH, O(mib2_udpEntry_t, udpEntryInfo.ue_RemoteAddress));
	printf("CONST %s zUDP4RemPort %d\n", ARCH, O(mib2_udpEntry_t, udpEntryInfo.ue_RemotePort));
	printf("CONST %s zUDP4Instance %d\n", ARCH, O(mib2_udpEntry_t, udpInstance));
	printf("CONST %s zUDP6LocalAddr %d\n", ARCH, O(mib2_udp6Entry_t, udp6LocalAddress));
	printf("CONST %s zUDP6LocalPort %d\n", ARCH, O(mib2_udp6Entry_t, udp6LocalPort));
	printf("CONST %s zUDP6IfIndex %d\n", ARCH, O(mib2_udp6Entry_t, udp6IfIndex));
	printf("CONST %s zUDP6State %d\n", ARCH, O(mib2_udp6Entry_t, udp6EntryInfo.ue_state));
	printf("CONST %s zUDP6RemAddr %d\n", ARCH, O(mib2_udp6Entry_t, udp6EntryInfo.ue_RemoteAddress));
	printf("CONST %s zUDP6RemPort %d\n", ARCH, O(mib2_udp6Entry_t, udp6EntryInfo.ue_RemotePort));
	printf("CONST %s zUDP6Instance %d\n", ARCH, O(mib2_udp6Entry_t, udp6Instance));
	printf("CONST %s zTCPConnTableSize %d\n", ARCH, O(mib2_tcp_t, tcpConnTableSize));
	printf("CONST %s zTCP6ConnTableSize %d\n", ARCH, O(mib2_tcp_t, tcp6ConnTableSize));
	printf("CONST %s zMIB2TCPSize %d\n", ARCH, (int)sizeof (mib2_tcp_t));
	printf("CONST %s zMIB2TCPLegacySize %d\n", ARCH, LEG(mib2_tcp_t, tcpHCInSegs));
	printf("CONST %s zUDPEntrySize %d\n", ARCH, O(mib2_udp_t, udpEntrySize));
	printf("CONST %s zUDP6EntrySize %d\n", ARCH, O(mib2_udp_t, udp6EntrySize));
	printf("CONST %s zMIB2UDPSize %d\n", ARCH, (int)sizeof (mib2_udp_t));
	printf("CONST %s zMIB2UDPLegacySize %d\n", ARCH, LEG(mib2_udp_t, udpHCInDatagrams));
#ifndef OLD
	printf("CONST %s zSIEConnIdx %d\n", ARCH, O(mib2_socketInfoEntry_t, sie_connidx));
	printf("CONST %s zSIEInode %d\n", ARCH, O(mib2_socketInfoEntry_t, sie_inode));
	printf("CONST %s zSIEFlags %d\n", ARCH, O(mib2_socketInfoEntry_t, sie_flags));
	printf("CONST %s zSIEDev %d\n", ARCH, O(mib2_socketInfoEntry_t, sie_dev));
	printf("CONST %s zSIESize %d\n", ARCH, (int)sizeof (mib2_socketInfoEntry_t));
	printf("CONST %s zSockInfoStream %d\n", ARCH, MIB2_SOCKINFO_STREAM);
	printf("CONST %s zSockInfoIPv6 %d\n", ARCH, MIB2_SOCKINFO_IPV6);
	printf("CONST %s zExperSockInfo %d\n", ARCH, EXPER_SOCK_INFO);
#endif
	printf("CONST %s zLevelIP %d\n", ARCH, MIB2_IP);
	printf("CONST %s zLevelTCP %d\n", ARCH, MIB2_TCP);
	printf("CONST %s zLevelUDP %d\n", ARCH, MIB2_UDP);
	printf("CONST %s zLevelTCP6 %d\n", ARCH, MIB2_TCP6);
	printf("CONST %s zLevelUDP6 %d\n", ARCH, MIB2_UDP6);
	printf("CONST %s zNameTCPConn %d\n", ARCH, MIB2_TCP_CONN);
	printf("CONST %s zNameTCP6Conn %d\n", ARCH, MIB2_TCP6_CONN);
	printf("CONST %s zNameUDPEntry %d\n", ARCH, MIB2_UDP_ENTRY);
	printf("CONST %s zNameUDP6Entry %d\n", ARCH, MIB2_UDP6_ENTRY);
	printf("CONST %s zNameXportMLP %d\n", ARCH, EXPER_XPORT_MLP);
	printf("CONST %s zFdFD %d\n", ARCH, O(prfdinfo_t, pr_fd));
	printf("CONST %s zFdMode %d\n", ARCH, O(prfdinfo_t, pr_mode));
	printf("CONST %s zFdIno %d\n", ARCH, O(prfdinfo_t, pr_ino));
	printf("CONST %s zFdUID %d\n", ARCH, O(prfdinfo_t, pr_uid));
	printf("CONST %s zFdMajor %d\n", ARCH, O(prfdinfo_t, pr_major));
	printf("CONST %s zFdRmajor %d\n", ARCH, O(prfdinfo_t, pr_rmajor));
	printf("CONST %s zFdRminor %d\n", ARCH, O(prfdinfo_t, pr_rminor));
	printf("CONST %s zFdFileFlags %d\n", ARCH, O(prfdinfo_t, pr_fileflags));
	printf("CONST %s zFdLockType %d\n", ARCH, O(prfdinfo_t, pr_locktype));
	printf("CONST %s zFdPeerPID %d\n", ARCH, O(prfdinfo_t, pr_peerpid));
	printf("CONST %s zFdPeerName %d\n", ARCH, O(prfdinfo_t, pr_peername));
	printf("CONST %s zFdMisc %d\n", ARCH, O(prfdinfo_t, pr_misc));
	printf("CONST %s zFdSize %d\n", ARCH, (int)sizeof (prfdinfo_t));
	printf("CONST %s zMiscHeader %d\n", ARCH, (int)sizeof (pr_misc_header_t));
	printf("CONST %s zPsNLWP %d\n", ARCH, O(psinfo_t, pr_nlwp));
	printf("CONST %s zPsPID %d\n", ARCH, O(psinfo_t, pr_pid));
	printf("CONST %s zPsPPID %d\n", ARCH, O(psinfo_t, pr_ppid));
	printf("CONST %s zPsUID %d\n", ARCH, O(psinfo_t, pr_uid));
	printf("CONST %s zPsEUID %d\n", ARCH, O(psinfo_t, pr_euid));
	printf("CONST %s zPsTTYDev %d\n", ARCH, O(psinfo_t, pr_ttydev));
	printf("CONST %s zPsStart %d\n", ARCH, O(psinfo_t, pr_start));
	printf("CONST %s zPsFname %d\n", ARCH, O(psinfo_t, pr_fname));
	printf("CONST %s zPsArgs %d\n", ARCH, O(psinfo_t, pr_psargs));
	printf("CONST %s zPsZoneID %d\n", ARCH, O(psinfo_t, pr_zoneid));
	printf("CONST %s zPsSize %d\n", ARCH, (int)sizeof (psinfo_t));
	printf("CONST %s zUsageTstamp %d\n", ARCH, O(prusage_t, pr_tstamp));
	printf("CONST %s zUsageCreate %d\n", ARCH, O(prusage_t, pr_create));
	printf("CONST %s zUsageSize %d\n", ARCH, (int)sizeof (prusage_t));
	printf("CONST %s zPropVersion %d\n", ARCH, O(mod_ioc_prop_t, mpr_version));
	printf("CONST %s zPropFlags %d\n", ARCH, O(mod_ioc_prop_t, mpr_flags));
	printf("CONST %s zPropIfname %d\n", ARCH, O(mod_ioc_prop_t, mpr_ifname));
	printf("CONST %s zPropProto %d\n", ARCH, O(mod_ioc_prop_t, mpr_proto));
	printf("CONST %s zPropName %d\n", ARCH, O(mod_ioc_prop_t, mpr_name));
	printf("CONST %s zPropNameSize %d\n", ARCH, MAXPROPNAMELEN);
	printf("CONST %s zPropValsize %d\n", ARCH, O(mod_ioc_prop_t, mpr_valsize));
	printf("CONST %s zPropVal %d\n", ARCH, O(mod_ioc_prop_t, mpr_val));
	printf("CONST %s zPropSize %d\n", ARCH, (int)sizeof (mod_ioc_prop_t));
	printf("CONST %s zModPropVersion %d\n", ARCH, MOD_PROP_VERSION);
	printf("CONST %s zModPropActive %d\n", ARCH, MOD_PROP_ACTIVE);
	printf("CONST %s zModProtoTCP %d\n", ARCH, MOD_PROTO_TCP);
	printf("CONST %s zModProtoUDP %d\n", ARCH, MOD_PROTO_UDP);
	printf("CONST %s zSIOCGETPROP %d\n", ARCH, SIOCGETPROP);
	printf("CONST %s zAbortLocal %d\n", ARCH, O(tcp_ioc_abort_conn_t, ac_local));
	printf("CONST %s zAbortRemote %d\n", ARCH, O(tcp_ioc_abort_conn_t, ac_remote));
	printf("CONST %s zAbortStart %d\n", ARCH, O(tcp_ioc_abort_conn_t, ac_start));
	printf("CONST %s zAbortEnd %d\n", ARCH, O(tcp_ioc_abort_conn_t, ac_end));
	printf("CONST %s zAbortZoneID %d\n", ARCH, O(tcp_ioc_abort_conn_t, ac_zoneid));
	printf("CONST %s zAbortSize %d\n", ARCH, (int)sizeof (tcp_ioc_abort_conn_t));
	printf("CONST %s zTCPIocAbortConn %d\n", ARCH, TCP_IOC_ABORT_CONN);
	return (0);
}
