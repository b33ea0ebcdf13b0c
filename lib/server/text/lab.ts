/**
 * The server's texts for the lab network: the join code and discovery lines
 * of the banner, and the Windows network checks at start (Public network
 * profile, missing firewall rules). Spanish and English; spread into
 * `serverText` (lib/server/text.ts).
 *
 * @module
 */

import type { Catalog } from "../../protocol/i18n.ts";

/** The lab network's part of the server catalogue. */
export const labText = {
  expectRoom: {
    es: "un nombre de hasta 48 caracteres, sin caracteres de control",
    en: "a name of up to 48 characters, without control characters",
  },
  bannerJoinCode: {
    es:
      "Código para unirse: {code}   (pc3-client --join {code}, o escríbelo al pedir la dirección)",
    en: "Join code: {code}   (pc3-client --join {code}, or type it when asked for the address)",
  },
  bannerJoinCodeFor: {
    es: "Código para unirse por {address}: {code}",
    en: "Join code for {address}: {code}",
  },
  bannerDiscovery: {
    es: "Los clientes sin --host encuentran este servidor solos (UDP {port}, misma red).",
    en: "Clients without --host find this server by themselves (UDP {port}, same network).",
  },
  netProfilePublic: {
    es: "Aviso: Windows marca la red «{name}» ({iface}) como Pública y bloquea a los demás PCs. " +
      "Márcala como Privada (PowerShell como Administrador): " +
      "Set-NetConnectionProfile -InterfaceAlias '{iface}' -NetworkCategory Private",
    en:
      "Warning: Windows marks the network «{name}» ({iface}) as Public and blocks the other PCs. " +
      "Make it Private (PowerShell as Administrator): " +
      "Set-NetConnectionProfile -InterfaceAlias '{iface}' -NetworkCategory Private",
  },
  firewallRulesMissing: {
    es:
      "Aviso: faltan reglas del cortafuegos de PC3 ({rules}): los demás PCs no podrán conectar. " +
      "Ejecuta en este equipo: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1",
    en: "Warning: PC3 firewall rules are missing ({rules}): the other PCs will not get through. " +
      "Run on this machine: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1 -English",
  },
  firewallRulesOff: {
    es: "Aviso: reglas del cortafuegos de PC3 desactivadas ({rules}). " +
      "Ejecuta en este equipo: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1",
    en: "Warning: PC3 firewall rules are disabled ({rules}). " +
      "Run on this machine: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1 -English",
  },
} satisfies Catalog;
