import Papa from 'papaparse';
import type { HostObservation, InstalledUpdate, ParsedFile, ParseResult, Problem } from '../model';
import { decodeText, textPlausibility } from './decode';
import { kbFromNumber, normalizeKb } from './kb';
import { parseWindowsOs, windowsArchitecture } from './windows-os';

/**
 * Windows `systeminfo` output: the default list (text) in any display language and code page, several outputs
 * concatenated in one file, and `systeminfo /fo csv` (with or without `/nh`, one row per PC).
 *
 * systeminfo always prints the same fields in the same order; only the labels are translated. So the parser
 * reads labels where it knows them (a dictionary of common languages) and otherwise relies on structure that
 * no translation changes: "label: value" lines with values aligned in one column, indented continuation
 * lines, an OS version "10.0.19045 … 19045" that repeats its build number, "[NN]: KB…" hotfix entries,
 * "[NN]: 192.168.1.10" address entries, "x64-based PC".
 * @see https://learn.microsoft.com/windows-server/administration/windows-commands/systeminfo
 */

export type SystemInfoFormat = 'systeminfo-text' | 'systeminfo-csv';

/** systeminfo's fields in the order it prints them (the same in every language and Windows version since XP). */
const FIELD_IDS = [
  'hostName',
  'osName',
  'osVersion',
  'osManufacturer',
  'osConfiguration',
  'osBuildType',
  'registeredOwner',
  'registeredOrganization',
  'productId',
  'originalInstallDate',
  'systemBootTime',
  'systemManufacturer',
  'systemModel',
  'systemType',
  'processors',
  'biosVersion',
  'windowsDirectory',
  'systemDirectory',
  'bootDevice',
  'systemLocale',
  'inputLocale',
  'timeZone',
  'totalPhysicalMemory',
  'availablePhysicalMemory',
  'virtualMemoryMaxSize',
  'virtualMemoryAvailable',
  'virtualMemoryInUse',
  'pageFileLocations',
  'domain',
  'logonServer',
  'hotfixes',
  'networkCards',
  'hyperVRequirements'
] as const;

type FieldId = (typeof FIELD_IDS)[number] | 'virtualizationBasedSecurity';

/**
 * Labels per display language, in {@link FIELD_IDS} order; "a|b" lists variants (Windows versions differ,
 * XP prints "System Up Time" where later versions print "System Boot Time"). Matching ignores case, accents,
 * spaces and punctuation, so "Nom de l’hôte" and "Nom de l'hote" are the same label.
 */
const LABELS: Record<string, readonly string[]> = {
  en: [
    'Host Name',
    'OS Name',
    'OS Version',
    'OS Manufacturer',
    'OS Configuration',
    'OS Build Type',
    'Registered Owner',
    'Registered Organization',
    'Product ID',
    'Original Install Date',
    'System Boot Time|System Up Time',
    'System Manufacturer',
    'System Model',
    'System Type',
    'Processor(s)',
    'BIOS Version',
    'Windows Directory',
    'System Directory',
    'Boot Device',
    'System Locale',
    'Input Locale',
    'Time Zone',
    'Total Physical Memory',
    'Available Physical Memory',
    'Virtual Memory: Max Size',
    'Virtual Memory: Available',
    'Virtual Memory: In Use',
    'Page File Location(s)',
    'Domain',
    'Logon Server',
    'Hotfix(s)',
    'Network Card(s)',
    'Hyper-V Requirements'
  ],
  de: [
    'Hostname',
    'Betriebssystemname',
    'Betriebssystemversion',
    'Betriebssystemhersteller',
    'Betriebssystemkonfiguration',
    'Betriebssystem-Buildtyp',
    'Registrierter Benutzer',
    'Registrierte Organisation',
    'Produkt-ID',
    'Ursprüngliches Installationsdatum',
    'Systemstartzeit|Systembetriebszeit',
    'Systemhersteller',
    'Systemmodell',
    'Systemtyp',
    'Prozessor(en)',
    'BIOS-Version',
    'Windows-Verzeichnis',
    'System-Verzeichnis',
    'Startgerät',
    'Systemgebietsschema',
    'Eingabegebietsschema',
    'Zeitzone',
    'Gesamter physikalischer Speicher|Gesamter physischer Speicher',
    'Verfügbarer physikalischer Speicher|Verfügbarer physischer Speicher',
    'Virtueller Arbeitsspeicher: Maximale Größe',
    'Virtueller Arbeitsspeicher: Verfügbar',
    'Virtueller Arbeitsspeicher: Zurzeit verwendet',
    'Auslagerungsdateipfad(e)',
    'Domäne',
    'Anmeldeserver',
    'Hotfix(es)',
    'Netzwerkkarte(n)',
    'Hyper-V-Anforderungen'
  ],
  fr: [
    'Nom de l’hôte',
    'Nom du système d’exploitation',
    'Version du système',
    'Fabricant du système d’exploitation',
    'Configuration du système d’exploitation',
    'Type de version du système d’exploitation',
    'Propriétaire enregistré',
    'Organisation enregistrée',
    'Identificateur de produit',
    'Date d’installation originale',
    'Heure de démarrage du système|Temps d’activité du système',
    'Fabricant du système',
    'Modèle du système',
    'Type du système',
    'Processeur(s)',
    'Version du BIOS',
    'Répertoire Windows',
    'Répertoire système',
    'Périphérique d’amorçage',
    'Option régionale du système',
    'Paramètres régionaux d’entrée',
    'Fuseau horaire',
    'Mémoire physique totale',
    'Mémoire physique disponible',
    'Mémoire virtuelle : taille maximale',
    'Mémoire virtuelle : disponible',
    'Mémoire virtuelle : en cours d’utilisation',
    'Emplacements des fichiers d’échange',
    'Domaine',
    'Serveur d’ouverture de session',
    'Correctif(s)',
    'Carte(s) réseau',
    'Configuration requise pour Hyper-V'
  ],
  es: [
    'Nombre de host',
    'Nombre del sistema operativo',
    'Versión del sistema operativo',
    'Fabricante del sistema operativo',
    'Configuración del sistema operativo',
    'Tipo de compilación del sistema operativo',
    'Propiedad de|Propietario registrado',
    'Organización registrada',
    'Id. del producto|Id. de producto',
    'Fecha de instalación original',
    'Tiempo de arranque del sistema|Tiempo de actividad del sistema',
    'Fabricante del sistema',
    'Modelo el sistema|Modelo del sistema',
    'Tipo de sistema',
    'Procesador(es)',
    'Versión del BIOS',
    'Directorio de Windows',
    'Directorio de sistema',
    'Dispositivo de arranque',
    'Configuración regional del sistema',
    'Idioma de entrada',
    'Zona horaria',
    'Cantidad total de memoria física|Memoria física total',
    'Memoria física disponible',
    'Memoria virtual: tamaño máximo',
    'Memoria virtual: disponible',
    'Memoria virtual: en uso',
    'Ubicación(es) de archivo de paginación',
    'Dominio',
    'Servidor de inicio de sesión',
    'Revisión(es)',
    'Tarjeta(s) de red',
    'Requisitos de Hyper-V'
  ],
  it: [
    'Nome host',
    'Nome SO',
    'Versione SO',
    'Produttore SO',
    'Configurazione SO',
    'Tipo build SO',
    'Proprietario registrato',
    'Organizzazione registrata',
    'Numero di serie|ID prodotto',
    'Data di installazione originale',
    'Tempo di avvio sistema|Tempo di attività sistema',
    'Produttore sistema',
    'Modello sistema',
    'Tipo sistema',
    'Processore(i)',
    'Versione BIOS',
    'Directory Windows',
    'Directory di sistema',
    'Dispositivo di avvio',
    'Impostazioni locali sistema',
    'Impostazioni locali di input',
    'Fuso orario',
    'Memoria fisica totale',
    'Memoria fisica disponibile',
    'Memoria virtuale: dimensione massima',
    'Memoria virtuale: disponibile',
    'Memoria virtuale: in uso',
    'Posizioni file di paging',
    'Dominio',
    'Server di accesso',
    'Aggiornamenti rapidi',
    'Schede di rete',
    'Requisiti Hyper-V'
  ],
  'pt-BR': [
    'Nome do host',
    'Nome do sistema operacional',
    'Versão do sistema operacional',
    'Fabricante do sistema operacional',
    'Configuração do SO|Configuração do sistema operacional',
    'Tipo de compilação do sistema operacional|Tipo de versão do sistema operacional',
    'Proprietário registrado',
    'Organização registrada',
    'Identificação do produto|ID do produto',
    'Data da instalação original',
    'Tempo de Inicialização do Sistema|Tempo de atividade do sistema',
    'Fabricante do sistema',
    'Modelo do sistema',
    'Tipo de sistema',
    'Processador(es)',
    'Versão do BIOS',
    'Pasta do Windows',
    'Pasta do sistema',
    'Inicializar dispositivo|Dispositivo de inicialização',
    'Localidade do sistema',
    'Localidade de entrada',
    'Fuso horário',
    'Memória física total',
    'Memória física disponível',
    'Memória Virtual: Tamanho Máximo',
    'Memória Virtual: Disponível',
    'Memória Virtual: Em Uso',
    'Local(is) de arquivo de paginação',
    'Domínio',
    'Servidor de Logon',
    'Hotfix(es)',
    'Placa(s) de Rede',
    'Requisitos do Hyper-V'
  ],
  nl: [
    'Hostnaam',
    'Naam besturingssysteem',
    'Versie besturingssysteem',
    'Fabrikant besturingssysteem',
    'Configuratie besturingssysteem',
    'Bouwtype besturingssysteem|Buildtype besturingssysteem',
    'Geregistreerde eigenaar',
    'Geregistreerde organisatie',
    'Product-id',
    'Oorspronkelijke installatiedatum',
    'Opstarttijd van systeem|Systeemopstarttijd',
    'Fabrikant van systeem|Systeemfabrikant',
    'Systeemmodel',
    'Type systeem|Systeemtype',
    'Processor(s)',
    'BIOS-versie',
    'Windows-map',
    'Systeemmap',
    'Opstartapparaat',
    'Landinstellingen van systeem',
    'Landinstellingen voor invoer',
    'Tijdzone',
    'Totaal fysiek geheugen',
    'Beschikbaar fysiek geheugen',
    'Virtueel geheugen: maximale grootte',
    'Virtueel geheugen: beschikbaar',
    'Virtueel geheugen: in gebruik',
    'Locatie(s) van wisselbestand',
    'Domein',
    'Aanmeldingsserver',
    'Hotfix(es)',
    'Netwerkkaart(en)',
    'Hyper-V-vereisten'
  ],
  ru: [
    'Имя узла',
    'Название ОС',
    'Версия ОС',
    'Изготовитель ОС',
    'Параметры ОС',
    'Сборка ОС',
    'Зарегистрированный владелец',
    'Зарегистрированная организация',
    'Код продукта',
    'Дата установки',
    'Время загрузки системы|Время работы системы',
    'Изготовитель системы',
    'Модель системы',
    'Тип системы',
    'Процессор(ы)',
    'Версия BIOS',
    'Папка Windows',
    'Системная папка',
    'Устройство загрузки',
    'Язык системы',
    'Язык ввода',
    'Часовой пояс',
    'Полный объем физической памяти',
    'Доступная физическая память',
    'Виртуальная память: Макс. размер',
    'Виртуальная память: Доступна|Виртуальная память: Доступно',
    'Виртуальная память: Используется',
    'Расположение файла подкачки',
    'Домен',
    'Сервер входа в сеть',
    'Исправление(я)',
    'Сетевые адаптеры',
    'Требования Hyper-V'
  ],
  pl: [
    'Nazwa hosta',
    'Nazwa systemu operacyjnego',
    'Wersja systemu operacyjnego',
    'Producent systemu operacyjnego',
    'Konfiguracja systemu operacyjnego',
    'Typ kompilacji systemu operacyjnego',
    'Zarejestrowany właściciel',
    'Zarejestrowana organizacja',
    'Identyfikator produktu',
    'Pierwotna data instalacji',
    'Czas rozruchu systemu',
    'Producent systemu',
    'Model systemu',
    'Typ systemu',
    'Procesor(y)',
    'Wersja systemu BIOS',
    'Katalog systemu Windows',
    'Katalog systemowy',
    'Urządzenie rozruchowe',
    'Ustawienia regionalne systemu',
    'Ustawienia regionalne wprowadzania',
    'Strefa czasowa',
    'Całkowita ilość pamięci fizycznej',
    'Dostępna pamięć fizyczna',
    'Pamięć wirtualna: maksymalny rozmiar',
    'Pamięć wirtualna: dostępna',
    'Pamięć wirtualna: w użyciu',
    'Lokalizacje pliku stronicowania',
    'Domena',
    'Serwer logowania',
    'Poprawki',
    'Karty sieciowe',
    'Wymagania funkcji Hyper-V'
  ],
  'zh-CN': [
    '主机名',
    'OS 名称',
    'OS 版本',
    'OS 制造商',
    'OS 配置',
    'OS 构件类型',
    '注册的所有人',
    '注册的组织',
    '产品 ID',
    '初始安装日期',
    '系统启动时间',
    '系统制造商',
    '系统型号',
    '系统类型',
    '处理器',
    'BIOS 版本',
    'Windows 目录',
    '系统目录',
    '启动设备',
    '系统区域设置',
    '输入法区域设置',
    '时区',
    '物理内存总量',
    '可用的物理内存',
    '虚拟内存: 最大值',
    '虚拟内存: 可用',
    '虚拟内存: 使用中',
    '页面文件位置',
    '域',
    '登录服务器',
    '修补程序',
    '网卡',
    'Hyper-V 要求'
  ],
  'zh-TW': [
    '主機名稱',
    '作業系統名稱',
    '作業系統版本',
    '作業系統製造商',
    '作業系統設定',
    '作業系統組建類型',
    '登錄的擁有者',
    '登錄的組織',
    '產品識別碼',
    '原始安裝日期',
    '系統開機時間',
    '系統製造商',
    '系統型號',
    '系統類型',
    '處理器',
    'BIOS 版本',
    'Windows 目錄',
    '系統目錄',
    '開機裝置',
    '系統地區設定',
    '輸入法地區設定',
    '時區',
    '實體記憶體總計',
    '可用實體記憶體',
    '虛擬記憶體: 大小上限',
    '虛擬記憶體: 可用',
    '虛擬記憶體: 使用中',
    '分頁檔位置',
    '網域',
    '登入伺服器',
    'Hotfix',
    '網路卡',
    'Hyper-V 需求'
  ],
  ja: [
    'ホスト名',
    'OS 名',
    'OS バージョン',
    'OS 製造元',
    'OS 構成',
    'OS ビルドの種類',
    '登録されている所有者',
    '登録されている組織',
    'プロダクト ID',
    '最初のインストール日付',
    'システム起動時間',
    'システム製造元',
    'システム モデル',
    'システムの種類',
    'プロセッサ',
    'BIOS バージョン',
    'Windows ディレクトリ',
    'システム ディレクトリ',
    '起動デバイス',
    'システム ロケール',
    '入力ロケール',
    'タイム ゾーン',
    '物理メモリの合計',
    '利用できる物理メモリ',
    '仮想メモリ: 最大サイズ',
    '仮想メモリ: 利用可能',
    '仮想メモリ: 使用中',
    'ページ ファイルの場所',
    'ドメイン',
    'ログオン サーバー',
    'ホットフィックス',
    'ネットワーク カード',
    'Hyper-V の要件'
  ],
  ko: [
    '호스트 이름',
    'OS 이름',
    'OS 버전',
    'OS 제조업체',
    'OS 구성',
    'OS 빌드 종류',
    '등록된 소유자',
    '등록된 조직',
    '제품 ID',
    '원래 설치 날짜',
    '시스템 부트 시간',
    '시스템 제조업체',
    '시스템 모델',
    '시스템 종류',
    '프로세서',
    'BIOS 버전',
    'Windows 디렉터리',
    '시스템 디렉터리',
    '부팅 장치',
    '시스템 로캘',
    '입력 로캘',
    '표준 시간대',
    '총 실제 메모리',
    '사용 가능한 실제 메모리',
    '가상 메모리: 최대 크기',
    '가상 메모리: 사용 가능',
    '가상 메모리: 사용 중',
    '페이지 파일 위치',
    '도메인',
    '로그온 서버',
    '핫픽스',
    '네트워크 카드',
    'Hyper-V 요구 사항'
  ]
};

/** Fields newer Windows prints that are not in every version (no fixed position). */
const EXTRA_LABELS: [FieldId, string][] = [['virtualizationBasedSecurity', 'Virtualization-based security']];

/** The display languages {@link LABELS} covers, for messages and documentation. */
export const SYSTEMINFO_LANGUAGES: readonly string[] = Object.keys(LABELS);

/** "Nom de l’hôte:" → "nomdelhote": lower case, no accents, letters and digits only. */
function labelKey(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The ASCII letters of a label only. Lets a label whose accented letters were decoded in the wrong code page
 * ("Dom„ne") still be recognised ("domne"); only used for keys long enough not to be ambiguous.
 */
function lossyLabelKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const { exact: LABEL_INDEX, lossy: LOSSY_LABEL_INDEX } = buildLabelIndex();

function buildLabelIndex(): { exact: Map<string, FieldId>; lossy: Map<string, FieldId | null> } {
  const exact = new Map<string, FieldId>();
  const lossy = new Map<string, FieldId | null>();
  const add = (id: FieldId, label: string): void => {
    exact.set(labelKey(label), id);
    const key = lossyLabelKey(label);
    if (key.length < 6) return;
    const seen = lossy.get(key);
    lossy.set(key, seen === undefined || seen === id ? id : null); // null: ambiguous, never used
  };
  for (const labels of Object.values(LABELS)) {
    labels.forEach((variants, i) => {
      for (const label of variants.split('|')) add(FIELD_IDS[i] as FieldId, label);
    });
  }
  for (const [id, label] of EXTRA_LABELS) add(id, label);
  return { exact, lossy };
}

/** The field a label names, in any language the dictionary knows; undefined when unknown. */
function lookupLabel(label: string, allowLossy = true): FieldId | undefined {
  const exact = LABEL_INDEX.get(labelKey(label));
  if (exact || !allowLossy || !/[\u0080-\uffff]/.test(label)) return exact;
  return LOSSY_LABEL_INDEX.get(lossyLabelKey(label)) ?? undefined;
}

/**
 * The OS Version value in every language: "10.0.19045 N/A Build 19045", "6.1.7601 Service Pack 1 Build 7601",
 * "10.0.17763 暂缺 Build 17763", "10.0.19045 N/D Compilación 19045": the build number comes back at the end.
 * A date such as "15.06.2016, 18:34:33" does not match.
 */
const VERSION_VALUE = /^\d{1,2}\.\d{1,2}\.(\d{3,5})(?:\s.*\s\1)?\s*$/u;
const isVersionValue = (value: string): boolean => VERSION_VALUE.test(value.trim());

const ENTRY = /^\[(\d+)\]:\s*(.*)$/;
const HOTFIX_ENTRY = /^\[\d+\]:\s*(?:KB[\s_-]?\d|Q\d{5}|File\s+\d|\d{6,7}\s*$)/i;
/** An entry systeminfo cut short: "[221", "[246]", "[24". */
const CUT_ENTRY = /^\[\d*\]?:?\s*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAC = /\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi;
/** "Not available" as systeminfo writes it in several languages. */
const NOT_AVAILABLE =
  /^(?:n\/?a|n\/d|н\/д|nicht zutreffend|nie dotyczy|n\.v\.t\.|暂缺|不適用|該当なし|해당 없음)$/i;
/** OS Configuration values of a PC in a workgroup, whose "Domain" is the workgroup's name. */
const STANDALONE =
  /standalone|eigenst|autonom|independ|изолир|独立|スタンドアロン|zelfstandig|autônom|samodzieln|독립/i;
const LOCALIZED_VENDOR = /^(?:Майкрософт|マイクロソフト|微软|微軟|마이크로소프트)\s*/u;
const DEFAULT_WORKGROUPS =
  /^(?:workgroup|arbeitsgruppe|mshome|groupe de travail|grupo de trabajo|gruppo di lavoro)$/i;

// ---------------------------------------------------------------------------------------------------------
// A file-format-neutral record: the text list and the CSV row both become a list of these.

interface Item {
  text: string;
  line: number;
}

interface RecordField {
  id?: FieldId;
  label: string;
  value: string;
  line: number;
  /** Continuation lines (text) or comma-separated list entries (CSV), trimmed. */
  items: Item[];
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/**
 * Reads systeminfo output. One HostObservation per PC; never throws. A block without a host name is reported
 * and skipped; a truncated hotfix list is kept with a warning.
 */
export function parseSystemInfo(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const empty = (format: SystemInfoFormat): ParseResult<ParsedFile> => ({
    value: { format, hosts: [], rules: [] },
    issues
  });
  if (bytes.length === 0) {
    issues.push({
      severity: 'error',
      code: 'empty-file',
      message:
        'The file is empty (0 bytes). On the PC, run `systeminfo > %COMPUTERNAME%.txt` in a Command Prompt and import the new file.'
    });
    return empty('systeminfo-text');
  }
  const decoded = decodeText(bytes, { score: systemInfoScore });
  const text = decoded.text;
  if (text.trim() === '') {
    issues.push({
      severity: 'error',
      code: 'empty-file',
      message:
        'The file contains no text, only blank lines. On the PC, run `systeminfo > %COMPUTERNAME%.txt` in a Command Prompt and import the new file.',
      detail: `encoding ${decoded.encoding}, ${bytes.length} bytes`
    });
    return empty('systeminfo-text');
  }
  const format = sniffSystemInfo(text);
  if (!format) {
    const first = firstLine(text);
    issues.push({
      severity: 'error',
      code: 'not-systeminfo',
      message:
        `This file is not systeminfo output: no "Host Name", "OS Name", "OS Version" lines were found` +
        (first ? ` (line ${first.line} reads "${first.text}")` : '') +
        '. On the PC, run `systeminfo > %COMPUTERNAME%.txt` (or `systeminfo /fo csv`) in a Command Prompt and import that file.',
      line: first?.line,
      detail: `encoding ${decoded.encoding}`
    });
    return empty('systeminfo-text');
  }
  const records = format === 'systeminfo-csv' ? readCsvRecords(text, issues) : readTextRecords(text);
  const hosts = buildHosts(records, issues);
  if (hosts.length === 0 && !issues.some((i) => i.severity === 'error')) {
    issues.push({
      severity: 'error',
      code: 'no-hosts',
      message:
        'No PC could be read from this systeminfo file. Run `systeminfo > %COMPUTERNAME%.txt` again on the PC and import the new file.'
    });
  }
  return { value: { format, hosts, rules: [] }, issues };
}

/**
 * Whether a decoded text (the first ~64 KB of a file is enough) is systeminfo output, and which kind.
 * Needs a real signature, so that other "label: value" files (ipconfig /all, logs) and other CSV exports are
 * not taken for systeminfo: a Host Name label followed by the OS Name or OS Version label, or a value shaped
 * like an OS version ("10.0.19045 N/A Build 19045") two fields after the first; for CSV, some 33 columns
 * with known labels or the OS version third.
 */
export function sniffSystemInfo(text: string): SystemInfoFormat | null {
  const sample = text.slice(0, 65536).replace(/^\uFEFF/, '');
  const lines = sample.split(/\r\n|\n|\r/);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  const first = lines[firstIndex]?.trim() ?? '';
  if (first.startsWith('"')) {
    const delimiter = csvDelimiter(first);
    const rows = lines
      .slice(firstIndex, firstIndex + 6)
      .filter((l) => l.trim() !== '')
      .map((l) => parseCsvLine(l, delimiter));
    for (const cells of rows) {
      // systeminfo writes some 33 columns: a header of known labels, or a row with the OS version third.
      if (cells.length < 20) continue;
      if (cells.filter((c) => lookupLabel(c) !== undefined).length >= 3) return 'systeminfo-csv';
      if (isVersionValue(cells[2] ?? '')) return 'systeminfo-csv';
    }
    return null;
  }
  const fields = readTextFields(lines.slice(0, 4000), 1);
  return findBlockStarts(fields).length > 0 ? 'systeminfo-text' : null;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding: systeminfo redirected to a file is in the console's OEM code page.

/** Prefers the decoding in which the most systeminfo labels are recognised, then the most plausible text. */
function systemInfoScore(text: string): number {
  const lines = text.split(/\r\n|\n|\r/, 3000);
  let known = 0;
  for (const line of lines) {
    if (line === '' || /^\s/.test(line)) continue;
    if (line.startsWith('"')) {
      for (const cell of line.split(/"\s*[,;]\s*"/))
        if (lookupLabel(cell.replace(/"/g, ''), false)) known += 1;
    } else if (splitCandidates(line).some((s) => lookupLabel(s.label, false))) {
      known += 1;
    }
  }
  return known * 1_000_000 + textPlausibility(text);
}

// ---------------------------------------------------------------------------------------------------------
// Text (list) output

interface TextField {
  line: number;
  candidates: Split[];
  items: Item[];
}

interface Split {
  label: string;
  value: string;
  /** Display column where the value starts (CJK characters are two columns wide, as in the console). */
  column: number;
  /** Whether at least two blanks separate the colon from the value (or the value is empty). */
  padded: boolean;
}

function readTextRecords(text: string): RecordField[][] {
  const fields = readTextFields(text.split(/\r\n|\n|\r/), 1);
  const starts = findBlockStarts(fields);
  const blocks: RecordField[][] = [];
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? fields.length;
    blocks.push(resolveBlock(fields.slice(start, end)));
  });
  return blocks;
}

/** Top-level "label: value" lines with the indented lines that continue them. Other lines are skipped. */
function readTextFields(lines: string[], firstLineNo: number): TextField[] {
  const fields: TextField[] = [];
  let current: TextField | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, ''); // outputs joined with `type a b > c` keep their BOMs
    if (line.trim() === '') return;
    const no = firstLineNo + i;
    if (/^\s/.test(line)) {
      current?.items.push({ text: line.trim(), line: no });
      return;
    }
    const candidates = splitCandidates(line);
    if (candidates.length === 0) {
      current = undefined; // a prompt, a separator, a note: not part of any field
      return;
    }
    current = { line: no, candidates, items: [] };
    fields.push(current);
  });
  return fields;
}

/**
 * Every way a line can be read as "label: value": at each colon followed by a blank or the line's end.
 * "Virtual Memory: Max Size:  37,367 MB" has two; the value column tells which one systeminfo meant.
 */
function splitCandidates(line: string): Split[] {
  const out: Split[] = [];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch !== ':' && ch !== '\uff1a') continue;
    const after = line[i + 1];
    if (after !== undefined && !/\s/.test(after)) continue;
    const label = line.slice(0, i).trim();
    if (label === '' || label.length > 80) continue;
    let start = i + 1;
    while (start < line.length && /\s/.test(line[start] ?? '')) start += 1;
    const value = line.slice(start).trim();
    out.push({
      label,
      value,
      column: displayWidth(line.slice(0, start)),
      padded: value === '' || start - i >= 3
    });
  }
  return out;
}

/**
 * Where each systeminfo output begins: at a Host Name label followed by the OS name or version, or two fields
 * before a value shaped like an OS version (whatever the language). Each block has at least three fields.
 */
function findBlockStarts(fields: TextField[]): number[] {
  const labelled = (f: TextField | undefined, id: FieldId): boolean =>
    f?.candidates.some((c) => lookupLabel(c.label) === id) ?? false;
  const starts = new Set<number>();
  fields.forEach((f, i) => {
    if (
      labelled(f, 'hostName') &&
      (labelled(fields[i + 1], 'osName') || labelled(fields[i + 2], 'osVersion'))
    ) {
      starts.add(i);
    }
    const versionLike = f.candidates.some((c) => {
      const id = lookupLabel(c.label);
      return isVersionValue(c.value) && (id === undefined || id === 'osVersion');
    });
    // Two fields before the version is the host name; one when the OS Name line is missing.
    if (versionLike) starts.add(labelled(fields[i - 1], 'hostName') ? i - 1 : Math.max(0, i - 2));
  });
  const kept: number[] = [];
  for (const s of [...starts].sort((a, b) => a - b)) {
    const prev = kept[kept.length - 1];
    if (prev === undefined || s - prev >= 3) kept.push(s);
  }
  return kept;
}

/** Chooses each line's label/value split using the block's value column, then names the fields. */
function resolveBlock(fields: TextField[]): RecordField[] {
  const column = valueColumn(fields);
  return fields.map((f) => {
    const known = f.candidates.filter((c) => lookupLabel(c.label) !== undefined);
    const split =
      known.find((c) => c.column === column) ??
      known[known.length - 1] ??
      f.candidates.find((c) => c.column === column) ??
      f.candidates.find((c) => c.padded) ??
      (f.candidates[0] as Split);
    return {
      id: lookupLabel(split.label),
      label: split.label,
      value: split.value,
      line: f.line,
      items: f.items
    };
  });
}

/**
 * The display column where systeminfo aligned this block's values: the column most of its lines agree on
 * (labels are padded to the longest one, so all values start there). Ties go to the leftmost.
 */
function valueColumn(fields: TextField[]): number | undefined {
  const counts = new Map<number, number>();
  for (const f of fields) {
    for (const c of f.candidates) counts.set(c.column, (counts.get(c.column) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [column, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && column < best)) {
      best = column;
      bestCount = count;
    }
  }
  return bestCount >= 2 ? best : undefined;
}

const isWide = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x115f) ||
  (cp >= 0x2e80 && cp <= 0x303e) ||
  (cp >= 0x3041 && cp <= 0x33ff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0xa000 && cp <= 0xa4cf) ||
  (cp >= 0xac00 && cp <= 0xd7a3) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0xfe30 && cp <= 0xfe4f) ||
  (cp >= 0xff00 && cp <= 0xff60) ||
  (cp >= 0xffe0 && cp <= 0xffe6) ||
  (cp >= 0x20000 && cp <= 0x3fffd);

/** Width as the Windows console lays it out: East Asian wide characters take two columns. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

// ---------------------------------------------------------------------------------------------------------
// CSV output (`systeminfo /fo csv`, `/fo csv /nh`)

function csvDelimiter(firstLine: string): string {
  // systeminfo writes commas; Excel re-saves with semicolons in many European locales.
  return /^"[^"]*";"/.test(firstLine) ? ';' : ',';
}

function parseCsvLine(line: string, delimiter: string): string[] {
  const parsed = Papa.parse<string[]>(line, { delimiter, header: false, skipEmptyLines: false });
  return (parsed.data[0] ?? []).map((c) => c.replace(/^\uFEFF/, ''));
}

/**
 * One record per data row. A row whose cells are labels is a header (a file may repeat it, when outputs of
 * several `systeminfo /s PC /fo csv` runs were appended); rows without any header use systeminfo's order.
 * systeminfo never puts a line break inside a cell, so each line is parsed on its own and keeps its number.
 */
function readCsvRecords(text: string, issues: Problem[]): RecordField[][] {
  const lines = text.split(/\r\n|\n|\r/);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  const delimiter = csvDelimiter(lines[firstIndex]?.trim() ?? '');
  let header: { ids: (FieldId | undefined)[]; labels: string[] } | undefined;
  let firstHeader: string | undefined;
  const records: RecordField[][] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const no = i + 1;
    const cells = parseCsvLine(line, delimiter);
    const ids = cells.map((c) => lookupLabel(c));
    const knownCount = ids.filter((id) => id !== undefined).length;
    // A header: labels the dictionary knows, the file's first line when it holds no OS version (a language
    // the dictionary lacks), or that same line again.
    const isHeader =
      !cells.some(isVersionValue) && (knownCount >= 3 || i === firstIndex || line.trim() === firstHeader);
    if (isHeader) {
      header = { ids, labels: cells };
      firstHeader ??= line.trim();
      return;
    }
    if (cells.length < 3) {
      issues.push({
        severity: 'warning',
        code: 'csv-row-unreadable',
        message: `This row has ${cells.length} cell(s), not a systeminfo /fo csv row, and was skipped. Check that the file was not edited or cut, or export it again with \`systeminfo /fo csv\`.`,
        line: no,
        detail: line.slice(0, 120)
      });
      return;
    }
    // Cells are in systeminfo's order when the third one is the OS version: that names the columns a
    // header does not (`/nh`, or a header in a language the dictionary lacks). The order is fixed up to
    // Network Card(s); newer fields after it vary.
    const positional = isVersionValue(cells[2] ?? '');
    records.push(
      cells.map((cell, c) => {
        const { value, items } = splitCsvCell(cell, no);
        const id = header?.ids[c] ?? (positional && c <= 31 ? FIELD_IDS[c] : undefined);
        return { id, label: header?.labels[c] ?? '', value, line: no, items };
      })
    );
  });
  return records;
}

/**
 * A list cell ("3 Hotfix(s) Installed.,[01]: KB5004330,[02]: KB5005039") is its header and its entries;
 * any other cell (a date "3/26/2019, 3:51:30 PM", a time zone with commas) stays whole.
 */
function splitCsvCell(cell: string, line: number): { value: string; items: Item[] } {
  const parts = cell.split(',');
  if (parts.length < 2 || !parts.slice(1).some((p) => /^\s*\[\d*/.test(p)))
    return { value: cell.trim(), items: [] };
  return {
    value: (parts[0] ?? '').trim(),
    items: parts
      .slice(1)
      .map((p) => ({ text: p.trim(), line }))
      .filter((p) => p.text !== '')
  };
}

// ---------------------------------------------------------------------------------------------------------
// Records → HostObservation

function buildHosts(records: RecordField[][], issues: Problem[]): HostObservation[] {
  const hosts: HostObservation[] = [];
  const keys = new Map<string, number>();
  for (const record of records) {
    const host = buildHost(record, issues);
    if (!host) continue;
    const base = host.key;
    const seen = keys.get(base.toLowerCase()) ?? 0;
    keys.set(base.toLowerCase(), seen + 1);
    if (seen > 0) host.key = `${base} (${seen + 1})`;
    hosts.push(host);
  }
  return hosts;
}

function buildHost(fields: RecordField[], issues: Problem[]): HostObservation | undefined {
  const at = (id: FieldId): number => fields.findIndex((f) => f.id === id);
  const field = (i: number | undefined): RecordField | undefined =>
    i === undefined || i < 0 ? undefined : fields[i];
  const firstLineNo = fields[0]?.line;

  // Structure first where labels are unknown: see the module comment.
  let versionIdx = at('osVersion');
  if (versionIdx < 0) versionIdx = fields.findIndex((f) => f.id === undefined && isVersionValue(f.value));
  let nameIdx = at('osName');
  if (nameIdx < 0 && versionIdx >= 1 && fields[versionIdx - 1]?.id === undefined) nameIdx = versionIdx - 1;
  let hostIdx = at('hostName');
  if (hostIdx < 0) {
    const guess = versionIdx >= 2 ? versionIdx - 2 : 0;
    const f = fields[guess];
    if (f && f.id === undefined && !/\s/.test(f.value) && !isVersionValue(f.value)) hostIdx = guess;
  }
  let hotfixIdx = at('hotfixes');
  if (hotfixIdx < 0) hotfixIdx = fields.findIndex((f) => f.items.some((it) => HOTFIX_ENTRY.test(it.text)));
  let nicIdx = at('networkCards');
  if (nicIdx < 0) {
    nicIdx = fields.findIndex(
      (f, i) => i !== hotfixIdx && f.items.some((it) => ipOfEntry(it.text) !== undefined)
    );
  }
  let domainIdx = at('domain');
  if (
    domainIdx < 0 &&
    hotfixIdx >= 2 &&
    hotfixIdx - 2 > versionIdx &&
    fields[hotfixIdx - 2]?.id === undefined
  ) {
    domainIdx = hotfixIdx - 2;
  }
  let configIdx = at('osConfiguration');
  if (configIdx < 0 && versionIdx >= 0 && fields[versionIdx + 2]?.id === undefined)
    configIdx = versionIdx + 2;
  let typeIdx = at('systemType');
  if (typeIdx < 0) typeIdx = fields.findIndex((f) => windowsArchitecture(f.value) !== undefined);

  const hostField = field(hostIdx);
  const hostname = hostField?.value.trim() ?? '';
  if (hostname === '' || NOT_AVAILABLE.test(hostname)) {
    const line = hostField?.line ?? firstLineNo;
    // A warning: the other outputs in the file are still good. A file with no readable PC gets "no-hosts".
    issues.push({
      severity: 'warning',
      code: 'host-name-missing',
      message:
        `This systeminfo output has no host name, so its updates cannot be tied to a PC and it was skipped. ` +
        (hostField
          ? `Type the PC's name after "${hostField.label}:" on line ${line}, or run systeminfo again on that PC.`
          : 'Run systeminfo again on that PC and import the complete output.'),
      line
    });
    return undefined;
  }

  const rawName = field(nameIdx)?.value;
  const osName = rawName && !NOT_AVAILABLE.test(rawName) ? rawName : undefined;
  // Some languages translate the vendor ("Майкрософт Windows 10 Pro"); the edition is read without it.
  const os = parseWindowsOs(osName?.replace(LOCALIZED_VENDOR, 'Microsoft '), field(versionIdx)?.value);
  if (osName) os.name = osName.replace(/\s+/g, ' ').trim();
  // systeminfo states the build, never the revision (UBR): it must not come from here.
  delete os.revision;
  const architecture = windowsArchitecture(field(typeIdx)?.value);
  if (architecture) os.architecture = architecture;

  const host: HostObservation = {
    key: hostname,
    hostname,
    ips: [],
    macs: [],
    os,
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: []
  };

  const domain = field(domainIdx)?.value.trim();
  const standalone = STANDALONE.test(field(configIdx)?.value ?? '');
  if (domain && !NOT_AVAILABLE.test(domain) && !DEFAULT_WORKGROUPS.test(domain) && !standalone) {
    host.domain = domain;
    if (domain.includes('.')) host.fqdn = `${hostname}.${domain}`.toLowerCase();
  }

  // Addresses: every "[NN]: address" line, which only the network cards list has.
  const v4: string[] = [];
  const v6: string[] = [];
  for (const f of fields) {
    for (const it of f.items) {
      const ip = ipOfEntry(it.text);
      if (!ip) continue;
      const list = ip.includes(':') ? v6 : v4;
      if (!list.includes(ip)) list.push(ip);
    }
  }
  host.ips = [...v4, ...v6];
  for (const it of field(nicIdx)?.items ?? []) {
    for (const m of it.text.matchAll(MAC)) {
      const mac = m[0].toLowerCase().replace(/-/g, ':');
      if (!host.macs.includes(mac)) host.macs.push(mac);
    }
  }

  const hotfixField = field(hotfixIdx);
  if (hotfixField) readHotfixes(hotfixField, host, issues);
  return host;
}

function readHotfixes(f: RecordField, host: HostObservation, issues: Problem[]): void {
  // The line is in the problem's `line`; the message names the PC, as a file may hold several outputs.
  const where = `${host.hostname}`;
  const count = /\d+/.exec(f.value);
  if (count) host.reportedUpdateCount = Number(count[0]);

  const kbs = new Map<string, InstalledUpdate>();
  let listed = 0;
  let files = 0;
  const others: string[] = [];
  let cut: Item | undefined;
  for (const it of f.items) {
    if (CUT_ENTRY.test(it.text)) {
      cut = it;
      continue;
    }
    const m = ENTRY.exec(it.text);
    if (!m) continue;
    const content = (m[2] ?? '').trim();
    listed += 1;
    const kb = normalizeKb(content) ?? (/^\d{6,7}$/.test(content) ? kbFromNumber(content) : undefined);
    if (kb) {
      if (!kbs.has(kb)) kbs.set(kb, { kb });
    } else if (/^File\s+\d+$/i.test(content)) {
      files += 1;
    } else {
      others.push(content);
    }
  }
  host.installedUpdates = [...kbs.values()];

  if (cut) {
    issues.push({
      severity: 'warning',
      code: 'hotfix-list-cut-off',
      message:
        `${host.hostname}: the hotfix list ends in a cut-off entry "${cut.text}": systeminfo stopped writing the list there, so later updates are missing. ` +
        'Also import `wmic qfe list` or `Get-HotFix` output from this PC for the full list.',
      line: cut.line,
      detail: `entries read before the cut: ${listed}`
    });
  }
  const reported = host.reportedUpdateCount;
  if (reported !== undefined && reported !== listed) {
    issues.push({
      severity: 'warning',
      code: 'kb-count-mismatch',
      message:
        reported > listed
          ? `${where}: systeminfo says ${reported} updates are installed but lists ${listed}: systeminfo truncates long lists. ` +
            'Also import `wmic qfe list` or `Get-HotFix` output from this PC for the full list.'
          : `${where}: systeminfo says ${reported} updates are installed but lists ${listed}: the file may have been edited or joined from several outputs. ` +
            'Check the file, or import `wmic qfe list` or `Get-HotFix` output from this PC.',
      line: f.line,
      detail: `reported=${reported} listed=${listed} distinctKbs=${kbs.size} withoutKb=${files + others.length}`
    });
  }
  if (files + others.length > 0) {
    const parts: string[] = [];
    if (files > 0) parts.push(`${files} read "File 1"`);
    if (others.length > 0) {
      const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
      parts.push(`${others.length} ${others.length === 1 ? 'has' : 'have'} no KB number (${shown})`);
    }
    issues.push({
      severity: 'info',
      code: 'hotfix-without-kb',
      message:
        `${where}: ${files + others.length} hotfix entries are not counted as installed updates: ${parts.join(' and ')}. ` +
        'systeminfo cannot name these older hotfixes; nothing to do unless you need them, and `wmic qfe list` shows their details.',
      line: f.line,
      detail: others.slice(0, 20).join(' | ')
    });
  }
}

/** "[01]: 192.168.2.219" → "192.168.2.219"; the address entries of a network card. 0.0.0.0 is no address. */
function ipOfEntry(text: string): string | undefined {
  const m = /^\[\d+\]:\s*(\S+)\s*$/.exec(text);
  if (!m) return undefined;
  const candidate = (m[1] as string).toLowerCase();
  if (IPV4.test(candidate)) return candidate === '0.0.0.0' ? undefined : candidate;
  const v6 = candidate.replace(/%\w+$/, ''); // zone index "fe80::1%12"
  return isIpv6(v6) ? v6 : undefined;
}

function isIpv6(text: string): boolean {
  if (!text.includes(':') || !/^[0-9a-f:.]+$/.test(text)) return false;
  const compressed = text.indexOf('::');
  if (compressed >= 0 && text.indexOf('::', compressed + 1) >= 0) return false;
  let groups = text.split(':');
  let embedded = 0;
  const last = groups[groups.length - 1] ?? '';
  if (last.includes('.')) {
    if (!IPV4.test(last)) return false;
    groups = groups.slice(0, -1);
    embedded = 2; // "::ffff:10.0.0.1": the IPv4 part counts as two groups
  }
  const parts = groups.filter((g) => g !== '');
  if (parts.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return false;
  const total = parts.length + embedded;
  return compressed >= 0 ? total <= 7 : total === 8;
}

function firstLine(text: string): { line: number; text: string } | undefined {
  const lines = text.split(/\r\n|\n|\r/);
  const i = lines.findIndex((l) => l.trim() !== '');
  if (i < 0) return undefined;
  const t = (lines[i] ?? '').trim();
  return { line: i + 1, text: t.length > 60 ? `${t.slice(0, 60)}…` : t };
}
