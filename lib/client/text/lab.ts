/**
 * Part of the client's one catalogue ({@link ../text.ts}): finding the server
 * (discovery, join code, the address prompt of a no-argument start) and
 * `--check`, with the causes it names and their fixes.
 *
 * @module
 */

import { type Catalog, format, type Lang } from "../../protocol/i18n.ts";
import type { SafeText } from "../../protocol/safe_text.ts";

/** Client texts: finding the server and diagnosing the connection. */
export const labText = {
  // Discovery.
  discovering: {
    es: "Buscando servidores PC3 en la red local…",
    en: "Looking for PC3 servers on the local network…",
  },
  discoveredNone: {
    es: "No se encontró ningún servidor PC3 en la red local.",
    en: "No PC3 server was found on the local network.",
  },
  discoveredHeader: {
    es: "Servidores PC3 en la red local:",
    en: "PC3 servers on the local network:",
  },
  discoveredLine: {
    es:
      "  {n}. {room} en {server}: {address}:{port} · {members} conectados{password} · código {code}",
    en: "  {n}. {room} on {server}: {address}:{port} · {members} online{password} · code {code}",
  },
  discoveredPassword: { es: " · con contraseña", en: " · password" },
  discoveredNoRoom: { es: "Sala", en: "Room" },

  // The address prompt (a start without --host).
  offerOne: {
    es:
      "Servidor encontrado: {room} en {server} ({address}). Pulsa Enter para entrar, o escribe otra dirección o un código: ",
    en:
      "Server found: {room} on {server} ({address}). Press Enter to join, or type another address or a code: ",
  },
  offerMany: {
    es: "Escribe el número del servidor, otra dirección o un código: ",
    en: "Type the server's number, another address or a code: ",
  },
  askAddress: {
    es: "Dirección del servidor (IP o código de la pantalla del profesor): ",
    en: "Server address (IP or the code on the teacher's screen): ",
  },
  askAddressLast: {
    es: "Dirección del servidor (IP o código; Enter = {last}): ",
    en: "Server address (IP or code; Enter = {last}): ",
  },
  badChoice: {
    es: "«{value}» no es un número de la lista, una dirección ni un código.",
    en: "«{value}» is not a number from the list, an address or a code.",
  },
  joinCodeTypo: {
    es: "El código «{code}» tiene una errata (la comprobación no cuadra): revísalo letra a letra.",
    en: "The code «{code}» has a typo (its check does not match): check it character by character.",
  },
  joinCodeBad: {
    es: "«{code}» no es un código válido: {detail}.",
    en: "«{code}» is not a valid code: {detail}.",
  },
  joinCodeBadChar: {
    es: "el carácter «{char}» no se usa",
    en: "the character «{char}» is not used",
  },
  joinCodeBadLength: {
    es: "sobran o faltan caracteres",
    en: "there are characters missing or extra",
  },
  joiningCode: {
    es: "Código {code}: servidor {host}:{port}",
    en: "Code {code}: server {host}:{port}",
  },
  pressEnter: { es: "Pulsa Enter para cerrar…", en: "Press Enter to close…" },
  badFlagJoin: {
    es: "un código como K7M2-QX4D",
    en: "a code such as K7M2-QX4D",
  },

  // --check.
  checkTitle: { es: "Comprobando {host}…", en: "Checking {host}…" },
  checkAutomatic: {
    es: "Comprobando qué falla en la conexión con {host}…",
    en: "Checking what blocks the connection to {host}…",
  },
  checkLine: {
    es: "  {service} ({proto} {port}): {verdict}",
    en: "  {service} ({proto} {port}): {verdict}",
  },
  svc_chat: { es: "Chat", en: "Chat" },
  svc_files: { es: "Archivos", en: "Files" },
  svc_relay: { es: "Llamadas", en: "Calls" },
  verdict_ok: { es: "funciona", en: "works" },
  verdict_refused: { es: "conexión rechazada", en: "connection refused" },
  verdict_timeout: {
    es: "sin respuesta (los paquetes se pierden por el camino)",
    en: "no answer (packets are dropped on the way)",
  },
  verdict_unreachable: { es: "no hay ruta hasta el equipo", en: "no route to the machine" },
  verdict_not_pc3: {
    es: "responde, pero no es un servidor PC3",
    en: "answers, but it is not a PC3 server",
  },
  verdict_no_answer: { es: "sin respuesta", en: "no answer" },
  verdict_unresolved: { es: "no se encuentra el equipo", en: "the machine was not found" },
  checkAllOk: {
    es: "Todo funciona: el chat, los archivos y las llamadas llegan al servidor.",
    en: "Everything works: chat, files and calls reach the server.",
  },
  checkCauses: { es: "Causas probables, de más a menos:", en: "Likely causes, most likely first:" },
  cause_wrong_address: {
    es:
      "- La dirección está mal escrita. Copia la IP o el código que muestra el servidor al arrancar.",
    en: "- The address is mistyped. Copy the IP address or code the server shows when it starts.",
  },
  cause_server_down: {
    es:
      "- El servidor no está en marcha, o usa otro puerto: arráncalo y copia el comando que muestra.",
    en:
      "- The server is not running, or uses another port: start it and copy the command it shows.",
  },
  cause_wrong_port: {
    es:
      "- El servidor está en marcha pero no en ese puerto de chat: usa el puerto o el código que muestra al arrancar.",
    en:
      "- The server is running but not on that chat port: use the port or the code it shows when it starts.",
  },
  cause_not_pc3: {
    es:
      "- En esa dirección y puerto responde otro programa: revisa la IP y el puerto (--chat-port).",
    en:
      "- Another program answers at that address and port: check the IP address and port (--chat-port).",
  },
  cause_firewall: {
    es:
      "- El cortafuegos del servidor bloquea PC3. Arreglo, en el servidor: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1",
    en:
      "- The server's firewall blocks PC3. Fix, on the server: powershell -ExecutionPolicy Bypass -File .\\configurar_firewall.ps1 -English",
  },
  cause_firewall_files: {
    es:
      "- El chat llega pero los archivos no: el cortafuegos del servidor cierra el puerto TCP de archivos. Arreglo, en el servidor: configurar_firewall.ps1",
    en:
      "- Chat gets through but files do not: the server's firewall closes the TCP file port. Fix, on the server: configurar_firewall.ps1",
  },
  cause_firewall_udp: {
    es:
      "- Las llamadas no tendrán vídeo ni sonido: el cortafuegos del servidor cierra el puerto UDP. Arreglo, en el servidor: configurar_firewall.ps1",
    en:
      "- Calls will have no video or sound: the server's firewall closes the UDP port. Fix, on the server: configurar_firewall.ps1",
  },
  cause_wrong_subnet: {
    es:
      "- Esa dirección no está en la red de este equipo: ¿estáis en la misma wifi o el mismo aula? Revisa la IP.",
    en:
      "- That address is not on this computer's network: are you on the same Wi-Fi or in the same room? Check the IP address.",
  },
  cause_public_profile: {
    es:
      "- Windows marca la red del servidor como «Pública» y lo aísla. En el servidor, como Administrador: Set-NetConnectionProfile -InterfaceAlias Wi-Fi -NetworkCategory Private (o configurar_firewall.ps1 -Perfil Privada,Dominio,Publica)",
    en:
      "- Windows marks the server's network as «Public» and isolates it. On the server, as Administrator: Set-NetConnectionProfile -InterfaceAlias Wi-Fi -NetworkCategory Private (or configurar_firewall.ps1 -Perfil Private,Domain,Public)",
  },
  cause_ap_isolation: {
    es:
      "- La wifi aísla a los equipos entre sí (aislamiento de clientes del punto de acceso): conecta el servidor por cable o usa una red sin aislamiento.",
    en:
      "- The Wi-Fi keeps devices apart (access point client isolation): connect the server by cable or use a network without isolation.",
  },
} satisfies Catalog;

/** A key of the lab part of the catalogue. */
type LabKey = keyof typeof labText;

/**
 * The lab texts as printable lines: parameters must be `SafeText` (network
 * strings through `safe()`) or numbers, so the result is safe to print.
 */
export function labTranslator(lang: Lang): (key: LabKey, params?: SafeParams) => SafeText {
  return (key, params) => format(labText[key][lang], params) as SafeText;
}

/** Parameters of {@link labTranslator}: sanitised text or numbers. */
export type SafeParams = Readonly<Record<string, SafeText | number>>;
