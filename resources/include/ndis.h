/*
 * NDIS Lab - ndis.h, the header an NDIS 6.x driver includes.
 *
 * Written for NDIS Lab (not a copy of the WDK header): names, parameter names,
 * field order and values follow the WDK so that WDK code compiles unchanged.
 * Before including it a miniport defines NDIS_MINIPORT_DRIVER and one
 * NDISxxx_MINIPORT macro (e.g. NDIS620_MINIPORT); a protocol driver defines
 * NDISxxx (e.g. NDIS620); an IM driver defines both.
 *
 * Every NDIS/kernel routine the simulator implements is a wasm import
 * "ndis.<Name>" (see lab/ndislab.h and README.md next to this file).
 */
#ifndef _NDIS_
#define _NDIS_

#ifndef NDIS_WDM
#define NDIS_WDM 0
#endif

#include <ntddk.h>

EXTERN_C_START

#include <ndis/version.h>
#include <ntddndis.h>
#include <ndis/types.h>
#include <ndis/status.h>
#include <ndis/nbl.h>
#include <ndis/oidrequest.h>
#include <ndis/core.h>
#include <ndis/miniport.h>
#include <ndis/protocol.h>

EXTERN_C_END

#endif /* _NDIS_ */

