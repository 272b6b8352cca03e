-- A small OFT middleware database (the tables `import_oft` reads, with the columns OFT keeps besides
-- them), for tests/migration_tools/test_import_oft.py. Loaded into a fresh MariaDB database per test.

CREATE TABLE iptv_Accounts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  contract_number VARCHAR(32) NOT NULL DEFAULT '',
  create_account DATETIME NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  activation_date DATE NULL,
  deactivation_date DATE NULL,
  auto_activation_period INT NOT NULL DEFAULT 0,
  last_active DATETIME NULL,
  balance DECIMAL(10,2) NOT NULL DEFAULT 0.00,
  email VARCHAR(128) NULL,
  comments TEXT NULL,
  language CHAR(2) NOT NULL DEFAULT 'de'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Account_Info (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT UNSIGNED NOT NULL,
  name VARCHAR(64) NULL,
  surname VARCHAR(64) NULL,
  birth_date DATE NULL,
  gender ENUM('male','female') NULL,
  organization VARCHAR(128) NULL,
  phone VARCHAR(32) NULL,
  fax VARCHAR(32) NULL,
  street VARCHAR(128) NULL,
  zip VARCHAR(16) NULL,
  city VARCHAR(64) NULL,
  KEY account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Accounts_BankAccount (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT UNSIGNED NOT NULL,
  blz VARCHAR(16) NULL,
  konto VARCHAR(32) NULL,
  bic VARCHAR(16) NULL,
  iban VARCHAR(40) NULL,
  bankName VARCHAR(128) NULL,
  owner VARCHAR(128) NULL,
  KEY account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT UNSIGNED NOT NULL,
  login VARCHAR(32) NOT NULL,
  password VARCHAR(64) NOT NULL DEFAULT '',
  channel_pass VARCHAR(16) NULL,
  ip_addr VARCHAR(45) NULL,
  collocation_id INT NULL,
  channel_offset INT NOT NULL DEFAULT 0,
  KEY account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Stb (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id INT UNSIGNED NOT NULL,
  mac VARCHAR(17) NOT NULL,
  stb_type_id INT NOT NULL,
  serial VARCHAR(32) NULL,
  KEY user_id (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Dealers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  register_number VARCHAR(32) NULL,
  tax_number VARCHAR(32) NULL,
  vat_number VARCHAR(32) NULL,
  city VARCHAR(64) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Dealer_to_Accounts (
  dealer_id INT UNSIGNED NOT NULL,
  account_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (dealer_id, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE iptv_Account_to_Tariffs (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id INT UNSIGNED NOT NULL,
  tarif_id INT NOT NULL,
  KEY account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO iptv_Accounts (id, contract_number, create_account, active, activation_date, deactivation_date,
                           auto_activation_period, last_active, balance, email, comments) VALUES
  (1, 'V-1001', '2019-03-04 10:15:00', 1, '2019-03-05', NULL, 0, '2024-05-01 20:00:00', 12.50,
   'max.mustermann@web.de', 'Pays on time'),
  (2, 'V-1002', '2020-07-01 09:00:00', 0, '2020-07-01', '2024-01-31', 14, NULL, 0.00,
   'erika@oft-internal.de', NULL),
  (3, 'V-1003', '2021-01-10 12:00:00', 1, '2021-01-10', NULL, 0, NULL, 0.00, 'hans@example.de', NULL),
  (4, 'V-1004', '2021-02-11 08:30:00', 1, '2021-02-11', NULL, 0, NULL, 0.00, 'MAX.MUSTERMANN@web.de',
   'Second login in the kitchen'),
  (5, '', '2022-06-01 00:00:00', 1, NULL, NULL, 0, NULL, 0.00, 'not-an-address', NULL),
  (6, 'V-1006', '2023-09-09 18:45:00', 1, '2023-09-09', NULL, 0, NULL, 0.00, NULL, NULL);

INSERT INTO iptv_Account_Info (account_id, name, surname, birth_date, gender, organization, phone, fax, street,
                               zip, city) VALUES
  (1, 'Max', 'Mustermann', '1970-05-17', 'male', NULL, '+49 30 1234567', '+49 30 1234568', 'Hauptstr. 5',
   'D-10115', 'Berlin'),
  (2, 'Erika', 'Musterfrau', '1982-11-02', 'female', 'Muster GmbH', '+49 40 555111', NULL, 'Elbchaussee 1',
   '22763', 'Hamburg'),
  (3, 'Hans', 'Schmidt', NULL, 'male', NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'Anna', 'Weber', '1990-01-01', 'female', NULL, NULL, NULL, 'Ringstr. 9', '80331', 'München'),
  (6, 'Jürgen', 'Groß', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

INSERT INTO iptv_Accounts_BankAccount (account_id, blz, konto, bic, iban, bankName, owner) VALUES
  (1, '10070000', '0532013000', 'DEUTDEBBXXX', 'DE89 3704 0044 0532 0130 00', 'Deutsche Bank', 'Max Mustermann'),
  (2, '', '', 'HASPDEHHXXX', 'DE02200505501015871393', 'Hamburger Sparkasse', 'Muster GmbH');

INSERT INTO iptv_Users (id, account_id, login, password, channel_pass, ip_addr, collocation_id, channel_offset) VALUES
  (11, 1, '100501', 'x', '1234', '10.0.0.5', 1, 0),
  (12, 2, '100502', 'x', NULL, NULL, 7, 2),
  (13, 3, '100503', 'x', NULL, NULL, 1, 0),
  (14, 4, '123456789012', 'x', NULL, NULL, 1, 0),
  (15, 4, 'kitchen', 'x', NULL, NULL, 1, 0),
  (16, 4, '100506', 'x', '12ab', '', 2, 0),
  (17, 5, '100507', 'x', NULL, NULL, NULL, 0),
  (18, 6, '100600', 'x', NULL, NULL, 1, 0),
  (19, 99, '100999', 'x', NULL, NULL, 1, 0);

INSERT INTO iptv_Stb (id, user_id, mac, stb_type_id, serial) VALUES
  (101, 11, '00-1a-79-aa-bb-01', 1, 'SN0001'),
  (102, 11, '00:1A:79:AA:BB:02', 9, 'SN0002'),
  (103, 12, '00:1a:79:aa:bb:03', 2, NULL),
  (104, 14, '00:1A:79:AA:BB:04', 1, NULL),
  (105, 16, '00:1A:79:AA:BB:06', 9, NULL),
  (106, 17, '00:1A:79:AA:BB:01', 1, NULL),
  (107, 98, '00:1A:79:AA:BB:07', 1, NULL);

INSERT INTO iptv_Dealers (id, name, register_number, tax_number, vat_number, city) VALUES
  (1, 'TV Shop Berlin', 'HRB 12345', '27/123/45678', 'DE123456789', 'Berlin'),
  (2, 'Kabel Nord', NULL, NULL, 'DE987654321', 'Kiel');

INSERT INTO iptv_Dealer_to_Accounts (dealer_id, account_id) VALUES (1, 1), (1, 2), (2, 4);

INSERT INTO iptv_Account_to_Tariffs (account_id, tarif_id) VALUES
  (1, 10), (1, 20), (1, 99), (2, 10), (4, 10), (4, 77), (5, 20);
