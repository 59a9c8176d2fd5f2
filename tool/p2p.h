/* SPDX-License-Identifier: MIT */
#ifndef DMABUF_P2P_H
#define DMABUF_P2P_H

/*
 * Can a GPU and an NVMe controller do peer-to-peer DMA, and safely?  The
 * platform facts (db_p2p_scan(): libpci for identity, BARs, PCIe port
 * types, ACS and the parent chain; sysfs for IOMMU groups and their
 * default domain types, DRM and NVMe names; /proc/kallsyms or the kernel
 * config for CONFIG_PCI_P2PDMA) and a judgement of one pair from them
 * (db_p2p_judge(), pure, unit-tested).
 *
 * The rules follow drivers/pci/p2pdma.c of Linux 6.12: peer traffic that
 * turns at a common switch port goes device to device; traffic between
 * different root ports, or sent upstream by an ACS redirect on a port of
 * the path, crosses the root complex, which the kernel allows only for
 * host bridges it knows.  Whatever crosses the root complex meets the
 * IOMMU: in a translating (DMA) domain, a peer address that was not mapped
 * for the importer (an exporter handing out raw bus addresses) is dropped
 * without an error on the transfer.
 */

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define DB_P2P_MAX_DEPTH 8	/* bridges above a device, at most */
#define DB_P2P_NR_BARS 6

/* PCI Express port type (PCIe capability flags, PCI_EXP_TYPE_*), -1: no PCIe capability. */
enum db_pcie_type {
	DB_PCIE_ENDPOINT = 0, DB_PCIE_LEGACY_ENDPOINT = 1, DB_PCIE_ROOT_PORT = 4,
	DB_PCIE_UPSTREAM = 5, DB_PCIE_DOWNSTREAM = 6, DB_PCIE_PCI_BRIDGE = 7,
	DB_PCIE_PCIE_BRIDGE = 8, DB_PCIE_ROOT_INT_EP = 9, DB_PCIE_ROOT_EC = 10,
};

/* ACS control bits (PCIe base spec, ACS Control register). */
#define DB_ACS_SV 0x0001	/* source validation */
#define DB_ACS_TB 0x0002	/* translation blocking */
#define DB_ACS_RR 0x0004	/* P2P request redirect */
#define DB_ACS_CR 0x0008	/* P2P completion redirect */
#define DB_ACS_UF 0x0010	/* upstream forwarding */
#define DB_ACS_EC 0x0020	/* P2P egress control */
#define DB_ACS_DT 0x0040	/* direct translated P2P */
/* What sends peer requests up to the root complex (the kernel's test). */
#define DB_ACS_REDIRECT (DB_ACS_RR | DB_ACS_CR | DB_ACS_EC)

/* One PCI function: the device or a bridge above it. */
struct db_pci_node {
	char bdf[16];		/* "0000:01:00.0" */
	uint16_t vendor, device;
	uint16_t class_id;	/* base class << 8 | subclass */
	int pcie_type;		/* enum db_pcie_type, -1 none */
	bool acs;		/* has the ACS capability */
	bool acs_known;		/* config space was readable (root); else acs is unknown */
	uint16_t acs_cap, acs_ctrl;
};

enum db_p2p_role { DB_P2P_GPU, DB_P2P_NVME };

struct db_p2p_dev {
	enum db_p2p_role role;
	struct db_pci_node pci;
	int domain;			/* PCI domain (host bridge) */
	char name[96];			/* from pci.ids, "" if unknown */
	char driver[32];		/* bound driver, "" none */
	char node[32];			/* DRM "card0" / NVMe "nvme0", "" none */
	int iommu_group;		/* -1: not in a group (no IOMMU) */
	char domain_type[16];		/* the group's default domain: DMA, DMA-FQ, identity, … */
	uint64_t bar_size[DB_P2P_NR_BARS];	/* bytes, 0 unused */
	bool bar_prefetch[DB_P2P_NR_BARS], bar_64[DB_P2P_NR_BARS];
	unsigned depth;			/* bridges above, nearest first in up[] */
	struct db_pci_node up[DB_P2P_MAX_DEPTH];
};

struct db_p2p_platform {
	int p2pdma;			/* CONFIG_PCI_P2PDMA: 1, 0, -1 unknown */
	char p2pdma_from[160];		/* where that was read */
	unsigned iommu_units;		/* /sys/class/iommu entries */
	char cmdline_iommu[160];	/* iommu options of the kernel command line */
	bool config_readable;		/* extended config space readable (ACS known) */
	struct db_pci_node host_bridge;	/* 0000:00:00.0, bdf "" if absent */
	unsigned nr_gpu, nr_nvme;
	struct db_p2p_dev *gpu, *nvme;	/* owned; db_p2p_free() */
};

/*
 * Fill @p from this machine: every display or processing-accelerator PCI
 * function (PCI classes 0x03, 0x12) and every NVMe controller (0x0108).
 * 0, or -errno (DMABUF_E_UNSUPPORTED when libpci cannot access the bus).
 * Release with db_p2p_free().
 */
int db_p2p_scan(struct db_p2p_platform *p, struct dmabuf_err *e);
void db_p2p_free(struct db_p2p_platform *p);

/* How the two would reach each other. */
enum db_p2p_through {
	DB_P2P_THROUGH_SWITCH,		/* turns at a common bridge below the root complex */
	DB_P2P_THROUGH_HOST,		/* crosses the root complex (host bridge) */
	DB_P2P_THROUGH_NONE,		/* different PCI domains: no path */
};

enum db_p2p_verdict {
	DB_P2P_OK,		/* device to device through a switch */
	DB_P2P_HOST_BRIDGE,	/* only if the kernel allows this host bridge */
	DB_P2P_UNSAFE,		/* crosses a translating IOMMU: bus addresses are dropped */
	DB_P2P_NO,		/* cannot: no P2PDMA in the kernel, no path */
};

struct db_p2p_path {
	enum db_p2p_through through;
	char turn[16];			/* bdf of the common bridge (switch), "" */
	unsigned distance;		/* links between the two, as the kernel counts */
	char redirect[16];		/* first port whose ACS sends peer requests up, "" */
	bool acs_unknown;		/* a port's ACS could not be read */
	bool iommu_translates;		/* the NVMe controller's domain is DMA / DMA-FQ */
	bool same_group;		/* one IOMMU group: no isolation between them */
	unsigned nr_hops;
	const struct db_pci_node *hops[2 * DB_P2P_MAX_DEPTH + 2];	/* gpu … nvme */
	enum db_p2p_verdict verdict;
	char reason[768];
};

/* Judge the pair @gpu, @nvme of @p into @out (pointers into @p's devices). */
void db_p2p_judge(const struct db_p2p_platform *p, const struct db_p2p_dev *gpu,
		  const struct db_p2p_dev *nvme, struct db_p2p_path *out);

const char *db_p2p_verdict_name(enum db_p2p_verdict v);	/* "ok", "host-bridge", … */
const char *db_p2p_through_name(enum db_p2p_through t);	/* "switch", "host-bridge", "none" */
const char *db_pcie_type_name(int type);		/* "root port", …, "" */

#endif
